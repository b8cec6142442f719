package org.refracturecds.view;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.PageLinks;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.ViewPages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

/**
 * The surgeon's page over HTTP ({@code GET /view/{id}}), and the links the cards give to it.
 *
 * <p>A link names a random id, its expiry and an HMAC-SHA256 signature of both under the key of
 * setting {@code view.keyEnv}: it carries no patient data, cannot be altered (a changed id or
 * expiry breaks the signature) and stops working when it expires. What the page is rebuilt from
 * ({@link KeptCard}: the assessment's input, the rules' hash) is kept in the database ({@link
 * ViewPages}) until then, so any node with the same database and key shows it: the assessment is
 * run again on the same rules when the link is opened, and must give the card's numbers again.
 * A refused link gets a page (or, for a client that asks for JSON, an OperationOutcome) with a
 * code: {@code PVP-H701} altered or signed with another key (403), {@code PVP-H702} expired
 * (410), {@code PVP-H703} no page under it (404), {@code PVP-H704} its rules are no longer to be
 * had (410), {@code PVP-H705} the assessment run again differs from the card's (500).
 */
public final class ViewEndpoints implements PageLinks {

    private static final Logger LOG = LoggerFactory.getLogger(ViewEndpoints.class);
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final String ID = "[A-Za-z0-9_-]{43}";

    private final Supplier<String> publicUrl;
    private final Duration validity;
    private final byte[] key;
    private final ViewPages store;
    private final Predicate<String> served;
    private final Function<String, Optional<RuleSet>> rulesByHash;
    private final ObjectMapper json;
    private final PageRenderer renderer = new PageRenderer();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final String policy;
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);
    private final boolean smart;

    /**
     * @param publicUrl   the service's URL as a browser reaches it, once it listens
     * @param served      whether this node serves or served the rules with a SHA-256: a page kept on
     *                    them is rebuilt from the card's input; on others (a workbench draft's) it
     *                    is kept whole
     * @param rulesByHash the rules with a SHA-256, if this node can have them, to rebuild a page on
     */
    public ViewEndpoints(ServiceConfig config, Supplier<String> publicUrl, ObjectMapper json, ViewPages store,
                         Predicate<String> served, Function<String, Optional<RuleSet>> rulesByHash, Clock clock) {
        this.publicUrl = publicUrl;
        this.validity = Duration.ofMinutes(config.view().linkMinutes());
        this.store = store;
        this.served = served;
        this.rulesByHash = rulesByHash;
        this.json = json;
        this.clock = clock;
        this.smart = config.smart() != null && config.smart().enabled();
        if (config.view().key() != null) {
            this.key = config.view().key().getBytes(StandardCharsets.UTF_8);
        } else {
            this.key = new byte[32];
            random.nextBytes(key);
            LOG.warn("setting view.keyEnv is not set: the page links are signed with a key drawn at start-up, so they"
                    + " work only on this node and stop working when it restarts");
        }
        this.policy = "default-src 'none'; style-src " + renderer.styleHash() + "; img-src data:; base-uri 'none';"
                + " form-action 'none'";
    }

    public void register(JavalinConfig javalin) {
        javalin.routes.get("/view/{id}", this::page);
    }

    /**
     * Keeps what the page of the assessment is rebuilt from until its link expires (inserted off the
     * caller's thread); the link, or null when it could not be kept.
     */
    @Override
    public String link(Assessment assessment, String context, List<String> caveats) {
        Instant now = clock.instant();
        Instant expires = now.plus(validity);
        String id = pageId(now);
        // Written out now, while the assessment is at hand: a page waiting for its insert holds a
        // kilobyte of text, not the assessment's objects (which the collector would then copy about).
        String kept = kept(assessment, context, caveats, now);
        try {
            store.keep(id, () -> kept, expires);
        } catch (SQLException e) {
            LOG.warn("the page of a card could not be kept, so the card goes without its link: {}", e.getMessage());
            return null;
        }
        long exp = expires.getEpochSecond();
        return publicUrl.get() + "/view/" + id + "?exp=" + exp + "&sig=" + signature(id, exp);
    }

    /**
     * A page's id, 43 characters of base64url: 32 bytes, the first 6 the time in milliseconds and
     * the other 26 random (208 bits: unguessable; the link is signed as well, and its {@code exp}
     * already tells when it was made). Ids made together share their first characters, so the
     * database adds them to one end of its index on the id. Random throughout, each card's insert
     * rewrote a page of that index somewhere else: H2 kept those copies in its cache, which filled
     * the heap's old generation and forced full collections under load (docs/PERFORMANCE.md).
     */
    private String pageId(Instant now) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        long millis = now.toEpochMilli();
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (millis >>> (8 * (5 - i)));
        }
        return BASE64URL.encodeToString(bytes);
    }

    /**
     * What the page is drawn from: the card's input, when its rules are ones a node serves (every
     * hook call's); the page's data itself, when they are not (a preview of a workbench draft, whose
     * rules no node may have when the link is opened).
     */
    private String kept(Assessment assessment, String context, List<String> caveats, Instant now) {
        String createdAt = MINUTES.format(now);
        try {
            return json.writeValueAsString(served.test(assessment.ruleSet().hash())
                    ? KeptCard.of(assessment, context, caveats, createdAt)
                    : PageData.of(assessment, context, List.copyOf(caveats), createdAt));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SMART launch URL of the page ({@link SmartLaunch}) when setting smart.enabled is true, else null. */
    @Override
    public String launchUrl() {
        return smart ? publicUrl.get() + SmartLaunch.LAUNCH : null;
    }

    /** Shows the page of {@code assessment} at once, without keeping it (a SMART launch's page). */
    void show(Context ctx, Assessment assessment, String context, List<String> caveats, Instant now) {
        String html = renderer.render(PageData.of(assessment, context, caveats, MINUTES.format(now)));
        secure(ctx);
        ctx.contentType("text/html; charset=utf-8").result(html);
    }

    /** A key of 32 bytes for {@code purpose}, derived from the links' key: the same on every node that shares it. */
    byte[] derivedKey(String purpose) {
        return newMac().doFinal(purpose.getBytes(StandardCharsets.US_ASCII));
    }

    private void page(Context ctx) throws SQLException, JsonProcessingException {
        String id = ctx.pathParam("id");
        String exp = once(ctx, "exp");
        String sig = once(ctx, "sig");
        long expires;
        try {
            expires = Long.parseLong(exp == null ? "" : exp);
        } catch (NumberFormatException e) {
            expires = -1;
        }
        // The link is read as it was written: exp in digits alone (no sign, no leading zero), and the
        // signature as written, base64url without padding, so that one link has one spelling.
        if (!id.matches(ID) || expires < 0 || !String.valueOf(expires).equals(exp) || sig == null
                || !MessageDigest.isEqual(signature(id, expires).getBytes(StandardCharsets.US_ASCII),
                        sig.getBytes(StandardCharsets.US_ASCII))) {
            refuse(ctx, 403, "PVP-H701", "this link's signature does not match it: the link was changed, or was made"
                    + " by a service with another signing key (setting view.keyEnv)", "Open the page from the card again.");
            return;
        }
        if (clock.instant().getEpochSecond() > expires) {
            refuse(ctx, 410, "PVP-H702", "this link expired at " + MINUTES.format(Instant.ofEpochSecond(expires))
                    + "; a card's link works for " + validity.toMinutes() + " minutes (setting view.linkMinutes)",
                    "Open the patient's card again: a new assessment gives a new link.");
            return;
        }
        Optional<ViewPages.Stored> stored = store.find(id);
        if (stored.isEmpty()) {
            refuse(ctx, 404, "PVP-H703", "no page is kept under this link: it was removed after it expired, or it was"
                    + " made by a service with another database", "Open the patient's card again.");
            return;
        }
        JsonNode kept = json.readTree(stored.get().page());
        PageData data = kept.has("input") ? rebuilt(ctx, json.treeToValue(kept, KeptCard.class))
                : json.treeToValue(kept, PageData.class);
        if (data != null) {
            secure(ctx);
            ctx.contentType("text/html; charset=utf-8").result(renderer.render(data));
        }
    }

    /** The query parameter {@code name} when the link gives it once; null when it gives it never or twice. */
    private static String once(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        return values.size() == 1 ? values.get(0) : null;
    }

    /**
     * The page's data of the card's assessment run again on its rules, or null when it cannot be
     * (the refusal is sent). The pages of workbench previews, and those kept by earlier builds, hold
     * their data itself, and are read as they are.
     */
    private PageData rebuilt(Context ctx, KeptCard card) {
        String hash = String.valueOf(card.rules());
        String rules = "version " + card.rulesVersion() + " sha256:" + hash.substring(0, Math.min(12, hash.length()));
        Optional<RuleSet> ruleSet = rulesByHash.apply(hash);
        if (ruleSet.isEmpty()) {
            refuse(ctx, 410, "PVP-H704", "the page is drawn from the rules the card was assessed with (" + rules
                    + "), and this service no longer has them: they were replaced, and were never published to the"
                    + " database", "Open the patient's card again: a new assessment gives a new link.");
            return null;
        }
        Assessment again = card.assessAgain(ruleSet.get());
        if (!card.sameAs(again)) {
            LOG.warn("a card's page was refused: its assessment run again on rules {} gave other numbers than the card",
                    rules);
            refuse(ctx, 500, "PVP-H705", "the assessment run again for this page did not give the card's numbers, so"
                    + " the page is not shown rather than shown different from the card", "Open the patient's card"
                    + " again, and tell the service's administrators (the log names the rules).");
            return null;
        }
        return PageData.of(again, card.context(), card.caveats(), card.createdAt());
    }

    /** An HTML page with the code for a browser; the OperationOutcome for a client that asks for JSON. */
    void refuse(Context ctx, int status, String code, String message, String todo) {
        String accept = String.valueOf(ctx.header("Accept"));
        if (accept.contains("json") && !accept.contains("text/html")) {
            throw new HttpError(status, code, "link", message + ". " + todo);
        }
        secure(ctx);
        ctx.status(status).contentType("text/html; charset=utf-8").result(renderer.refusal(code, message + ".", todo));
    }

    private void secure(Context ctx) {
        ctx.header("Content-Security-Policy", policy)
                .header("Cache-Control", "no-store")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
    }

    private String signature(String id, long expires) {
        return BASE64URL.encodeToString(macs.get().doFinal((id + "." + expires).getBytes(StandardCharsets.US_ASCII)));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
