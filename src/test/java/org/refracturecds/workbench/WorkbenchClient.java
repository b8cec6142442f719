package org.refracturecds.workbench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A browser without a screen, for the workbench's HTTP tests: it keeps cookies per host (Secure
 * ones too, over http on 127.0.0.1, as browsers do for this machine) and follows redirects one at
 * a time when asked.
 */
final class WorkbenchClient {

    private static final Pattern SET_COOKIE = Pattern.compile("^([^=]+)=([^;]*)(.*)$");
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final Map<String, Map<String, String>> cookies = new LinkedHashMap<>();

    HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    HttpResponse<String> head(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    /** GETs url and follows its redirects, GET after GET; the last answer. */
    HttpResponse<String> follow(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = get(url);
        for (int i = 0; i < 10 && response.statusCode() / 100 == 3; i++) {
            response = get(URI.create(url).resolve(response.headers().firstValue("Location").orElseThrow()).toString());
            url = response.uri().toString();
        }
        return response;
    }

    HttpResponse<String> postForm(String url, Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> postJson(String url, String json, String csrf) throws IOException, InterruptedException {
        return post(url, "application/json", json.getBytes(StandardCharsets.UTF_8), csrf);
    }

    /** A POST of these bytes as {@code type}, with the CSRF token. */
    HttpResponse<String> post(String url, String type, byte[] body, String csrf) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (csrf != null) {
            request.header("X-CSRF-Token", csrf);
        }
        return send(request);
    }

    /** Signs in with a local account on the service at {@code base}; the page it ends on. */
    HttpResponse<String> signInLocally(String base, String user, String password) throws IOException, InterruptedException {
        String form = get(base + "/workbench").body();
        HttpResponse<String> answer = postForm(base + "/workbench/signin",
                Map.of("login", hidden(form, "login"), "user", user, "password", password));
        return answer.statusCode() == 303 ? follow(base + "/workbench") : answer;
    }

    HttpResponse<byte[]> getBytes(String url) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        addCookies(request, URI.create(url));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A form with the CSRF token and one file (field "file"), as multipart/form-data. */
    HttpResponse<String> postFile(String url, String csrf, byte[] file) throws IOException, InterruptedException {
        return postFile(url, csrf, "file", "table.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                file);
    }

    HttpResponse<String> postFile(String url, String csrf, String field, String name, String type, byte[] file)
            throws IOException, InterruptedException {
        String boundary = "----workbench" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + name
                + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /**
     * From now on, one cookie jar for the services at {@code base} and {@code other}, as a browser has
     * for two nodes behind one load balancer.
     */
    void oneOrigin(String base, String other) {
        URI one = URI.create(base);
        URI two = URI.create(other);
        cookies.put(two.getHost() + ":" + two.getPort(),
                cookies.computeIfAbsent(one.getHost() + ":" + one.getPort(), h -> new LinkedHashMap<>()));
    }

    String cookie(String host, String name) {
        return cookies.getOrDefault(host, Map.of()).get(name);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        URI uri = request.build().uri();
        Map<String, String> jar = addCookies(request, uri);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        for (String header : response.headers().allValues("Set-Cookie")) {
            Matcher cookie = SET_COOKIE.matcher(header);
            if (cookie.matches()) {
                if (cookie.group(3).contains("Max-Age=0")) {
                    jar.remove(cookie.group(1));
                } else {
                    jar.put(cookie.group(1), cookie.group(2));
                }
            }
        }
        return response;
    }

    private Map<String, String> addCookies(HttpRequest.Builder request, URI uri) {
        Map<String, String> jar = cookies.computeIfAbsent(uri.getHost() + ":" + uri.getPort(), h -> new LinkedHashMap<>());
        if (!jar.isEmpty()) {
            request.header("Cookie", jar.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        return jar;
    }

    /** The value of a page's hidden input or meta tag named {@code name}. */
    static String hidden(String page, String name) {
        Matcher matcher = Pattern.compile("name=\"" + name + "\" (?:value|content)=\"([^\"]*)\"").matcher(page);
        if (!matcher.find()) {
            throw new AssertionError("no " + name + " on the page:\n" + page);
        }
        return matcher.group(1);
    }
}
