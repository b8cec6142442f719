package org.refracturecds.workbench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.refracturecds.authoring.LiveRules;
import org.refracturecds.authoring.RulesCheck;
import org.refracturecds.authoring.RulesSync;
import org.refracturecds.engine.Assessment;
import org.refracturecds.facts.Settings;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JsonBodies;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.Database;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.WorkbenchDrafts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

/**
 * The rules workbench, {@code /workbench}: clinicians sign in, edit the decision tables of the
 * live rules as a draft, see every problem and the scenarios as they type, and submit the draft;
 * another person, an approver, approves it (which publishes it to every node) or returns it.
 *
 * <p>A signed-out browser gets the sign-in page and nothing else. Sessions are a random token in
 * an HttpOnly, Secure, SameSite=Lax cookie; every change (POST) must carry the session's CSRF
 * token and come from this origin. Every page and asset comes from the jar.
 */
public final class Workbench {

    private static final Logger LOG = LoggerFactory.getLogger(Workbench.class);
    static final String SESSION_COOKIE = "pvp_workbench";
    static final String LOGIN_COOKIE = "pvp_workbench_login";
    private static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final Supplier<String> publicUrl;
    private final ObjectMapper json;
    private final Sessions sessions;
    private final SignIn signIn;
    private final Drafts drafts;
    private final DraftJson draftJson;
    private final Preview preview;
    private final CohortUpload cohorts;
    private final AuditTrail audit;
    private final WorkbenchPages pages = new WorkbenchPages();

    /**
     * @param publicUrl the service's URL as a browser reaches it, once it listens
     * @param node      this node's name in the audit trail
     * @param cards     the card a hook call gives for an assessment, its page kept and linked (the host
     *                  wires the CDS Hooks face's), for the preview
     */
    public Workbench(ServiceConfig config, Supplier<String> publicUrl, ObjectMapper json, LiveRules rules, RulesSync sync,
                     Database database, AuditTrail audit, Supplier<String> node, Clock clock,
                     BiFunction<Assessment, String, ObjectNode> cards) {
        this.publicUrl = publicUrl;
        this.json = json;
        this.sessions = new Sessions(database, Duration.ofMinutes(config.workbench().sessionMinutes()), clock);
        this.signIn = new SignIn(config.workbench(), sessions, clock);
        this.drafts = new Drafts(new WorkbenchDrafts(database, clock), new RulesCheck(new Settings(config.incidence())),
                rules, sync, new RulesVersions(database, clock), node, clock);
        this.draftJson = new DraftJson(json);
        this.preview = new Preview(json, new Settings(config.incidence()), cards);
        this.cohorts = new CohortUpload(drafts, clock);
        this.audit = audit;
    }

    public void register(JavalinConfig javalin) {
        javalin.routes.before("/workbench", this::secure);
        javalin.routes.before("/workbench/*", this::secure);
        javalin.routes.get("/workbench", this::home);
        javalin.routes.get("/workbench/assets/{name}", this::asset);
        javalin.routes.post("/workbench/signin", this::signInLocal);
        javalin.routes.get("/workbench/signin/oidc", this::signInOidc);
        javalin.routes.get("/workbench/callback", this::callback);
        javalin.routes.post("/workbench/signout", form(ctx -> {
            guard(ctx);
            try {
                sessions.end(ctx.cookie(SESSION_COOKIE));
            } catch (SQLException e) {
                throw signInsUnreadable(e);
            }
            ctx.header("Set-Cookie", cookie(SESSION_COOKIE, "", 0));
            ctx.redirect("/workbench", HttpStatus.SEE_OTHER);
        }));
        javalin.routes.post("/workbench/drafts", form(ctx -> {
            User user = guard(ctx);
            long id = drafts.create(user, ctx.formParam("note"));
            ctx.redirect("/workbench/drafts/" + id, HttpStatus.SEE_OTHER);
        }));
        javalin.routes.get("/workbench/drafts/{id}", this::draftPage);
        javalin.routes.get("/workbench/api/drafts/{id}", this::draftData);
        javalin.routes.post("/workbench/api/drafts/{id}/files", this::saveFile);
        javalin.routes.post("/workbench/api/drafts/{id}/rows", this::changeRows);
        javalin.routes.get("/workbench/api/drafts/{id}/check", ctx -> {
            signedIn(ctx);
            json(ctx, check(drafts.files(drafts.find(id(ctx)).id()), true));
        });
        javalin.routes.post("/workbench/api/drafts/{id}/preview", ctx -> {
            guard(ctx);
            Map<String, byte[]> files = drafts.files(drafts.find(id(ctx)).id());
            json(ctx, preview.run(compiled(files), Preview.Patient.of(body(ctx), false), files));
        });
        javalin.routes.post("/workbench/api/drafts/{id}/scenarios", this::keepPreview);
        javalin.routes.get("/workbench/api/drafts/{id}/scenario", this::scenarioFields);
        javalin.routes.post("/workbench/api/drafts/{id}/scenario", ctx -> changeScenario(ctx, false));
        javalin.routes.post("/workbench/api/drafts/{id}/scenario/delete", ctx -> changeScenario(ctx, true));
        javalin.routes.get("/workbench/drafts/{id}/xlsx/{path}", this::download);
        javalin.routes.post("/workbench/drafts/{id}/xlsx/{path}", form(this::upload));
        javalin.routes.post("/workbench/drafts/{id}/calibration", form(this::calibrate));
        javalin.routes.post("/workbench/drafts/{id}/submit", form(ctx -> {
            User user = guard(ctx);
            drafts.submit(user, drafts.find(id(ctx)));
            ctx.redirect("/workbench/drafts/" + id(ctx), HttpStatus.SEE_OTHER);
        }));
        javalin.routes.post("/workbench/drafts/{id}/approve", form(ctx -> {
            User user = guard(ctx);
            drafts.approve(user, drafts.find(id(ctx)));
            ctx.redirect("/workbench/drafts/" + id(ctx), HttpStatus.SEE_OTHER);
        }));
        javalin.routes.post("/workbench/drafts/{id}/return", form(ctx -> {
            User user = guard(ctx);
            drafts.returnToAuthor(user, drafts.find(id(ctx)), ctx.formParam("comment"));
            ctx.redirect("/workbench/drafts/" + id(ctx), HttpStatus.SEE_OTHER);
        }));
        javalin.routes.post("/workbench/versions/{id}/restore", form(ctx -> {
            User user = guard(ctx);
            long draft = drafts.restore(user, id(ctx));
            ctx.redirect("/workbench/drafts/" + draft, HttpStatus.SEE_OTHER);
        }));
        javalin.routes.get("/workbench/audit", ctx -> {
            Optional<Sessions.Session> session = session(ctx);
            if (session.isEmpty()) {
                signInPage(ctx, null);
                return;
            }
            html(ctx, pages.audit(session.get(), audit.rulesEvents()));
        });
    }

    /**
     * A form's handler: a refusal is shown as a page (what went wrong, its code, and the way back),
     * since a browser, not a program, sent the form.
     */
    private io.javalin.http.Handler form(io.javalin.http.Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (HttpError e) {
                ctx.status(e.status());
                html(ctx, pages.problem(session(ctx).orElse(null), e.code(), e.getMessage()));
            }
        };
    }

    private void secure(Context ctx) {
        ctx.header("Content-Security-Policy", POLICY)
                .header("Cache-Control", "no-store")
                .header("X-Content-Type-Options", "nosniff")
                // same-origin, not no-referrer: with no-referrer a browser sends Origin: null on a form's POST
                .header("Referrer-Policy", "same-origin")
                .header("X-Frame-Options", "DENY");
    }

    private void home(Context ctx) throws SQLException {
        Optional<Sessions.Session> session = session(ctx);
        if (session.isEmpty()) {
            signInPage(ctx, null);
            return;
        }
        html(ctx, pages.home(session.get(), drafts.list(), drafts.history()));
    }

    private void signInPage(Context ctx, SignIn.Refused refused) {
        String login = sessions.token();
        ctx.header("Set-Cookie", cookie(LOGIN_COOKIE, login, 600));
        if (refused != null) {
            ctx.status(refused.code.equals("PVP-H804") ? 502 : 401);
        }
        html(ctx, pages.signIn(login, signIn.hasAccounts(), signIn.hasProvider(),
                refused == null ? null : refused.getMessage() + " (" + refused.code + ")"));
    }

    private void signInLocal(Context ctx) {
        String login = ctx.cookie(LOGIN_COOKIE);
        if (login == null || !same(login, ctx.formParam("login"))) {
            signInPage(ctx, new SignIn.Refused("PVP-H802", "this sign-in form is out of date: sign in again"));
            return;
        }
        try {
            started(ctx, signIn.local(ctx.formParam("user"), ctx.formParam("password")));
        } catch (SignIn.Refused e) {
            LOG.info("workbench: a local sign-in was refused ({})", e.code);
            signInPage(ctx, e);
        }
    }

    private void signInOidc(Context ctx) {
        noProviderNoRoute(ctx);
        try {
            SignIn.Started started = signIn.start(callbackUri());
            ctx.header("Set-Cookie", cookie(LOGIN_COOKIE, started.browser(), 600));
            ctx.redirect(started.redirect().toString(), HttpStatus.FOUND);
        } catch (SignIn.Refused e) {
            signInPage(ctx, e);
        } catch (SQLException e) {
            throw signInsUnreadable(e);
        }
    }

    private void callback(Context ctx) {
        noProviderNoRoute(ctx);
        try {
            String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
            started(ctx, signIn.finish(URI.create(callbackUri() + query), callbackUri(), ctx.cookie(LOGIN_COOKIE)));
        } catch (SignIn.Refused e) {
            LOG.info("workbench: an OpenID Connect sign-in was refused ({})", e.code);
            signInPage(ctx, e);
        } catch (SQLException e) {
            throw signInsUnreadable(e);
        }
    }

    /** The OpenID Connect routes serve nothing where the workbench signs in by its own accounts alone. */
    private void noProviderNoRoute(Context ctx) {
        if (!signIn.hasProvider()) {
            throw new HttpError(404, "PVP-H404", "path", "nothing at " + ctx.path() + ": this workbench signs in with its"
                    + " own accounts (setting workbench.oidc is not set)");
        }
    }

    private void started(Context ctx, User user) {
        String token;
        try {
            token = sessions.start(user);
        } catch (SQLException e) {
            throw signInsUnreadable(e);
        }
        ctx.header("Set-Cookie", cookie(SESSION_COOKIE, token, (int) sessions.idleSeconds()));
        LOG.info("workbench: {} signed in as {} ({})", user.name(), user.role().word(), user.via());
        ctx.redirect("/workbench", HttpStatus.SEE_OTHER);
    }

    private URI callbackUri() {
        return URI.create(publicUrl.get() + "/workbench/callback");
    }

    private void draftPage(Context ctx) throws SQLException {
        Optional<Sessions.Session> session = session(ctx);
        if (session.isEmpty()) {
            signInPage(ctx, null);
            return;
        }
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        html(ctx, pages.draft(session.get(), draft));
    }

    /** The draft's tables and checks, for the page's script. */
    private void draftData(Context ctx) throws SQLException, IOException {
        User user = signedIn(ctx);
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        Map<String, byte[]> files = drafts.files(draft.id());
        ObjectNode body = json.createObjectNode();
        body.put("id", draft.id()).put("state", draft.state())
                .put("editable", draft.editable() && draft.author().equals(user.id()));
        body.set("files", draftJson.files(files));
        body.set("scenarioFiles", json.valueToTree(ScenarioForm.newScenarioFiles(files)));
        body.put("newScenarioFile", ScenarioForm.NEW_FILE);
        body.set("check", check(files, true));
        json(ctx, body);
    }

    /** A change sent to a draft: who (allowed to change it), which draft, the JSON sent, and the draft's files (a copy to change). */
    private record DraftEdit(User user, WorkbenchDrafts.Draft draft, JsonNode body, Map<String, byte[]> files) {
    }

    private DraftEdit draftEdit(Context ctx) throws SQLException, IOException {
        User user = guard(ctx);
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        return new DraftEdit(user, draft, body(ctx), new TreeMap<>(drafts.files(draft.id())));
    }

    /**
     * The JSON object the page sent, read as the CDS Hooks face reads a request ({@link JsonBodies}):
     * declared JSON (415 otherwise), one UTF-8 document, each key once, nothing after it.
     */
    private static ObjectNode body(Context ctx) {
        JsonBodies.require(ctx.header("Content-Type"), "the workbench's page sends JSON; send Content-Type: application/json");
        JsonNode body = JsonBodies.read(ctx.bodyAsBytes(), "the fields of the workbench's form", "the page sends them",
                "send the fields of the workbench's form as a JSON object");
        if (!body.isObject()) {
            throw new HttpError(400, "PVP-H101", null, "the body must be a JSON object (the fields of the workbench's"
                    + " form), not " + (body.isArray() ? "an array" : body.isNull() ? "null"
                    : "a " + body.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        return (ObjectNode) body;
    }

    /**
     * Saves one table file of a draft (its rows of cells) and answers {@code rules check} of the draft
     * as it now is: every problem at its cell. The scenarios follow from {@code GET .../check}.
     */
    private void saveFile(Context ctx) throws SQLException, IOException {
        DraftEdit edit = draftEdit(ctx);
        JsonNode body = edit.body();
        String path = body.path("path").asText();
        Map<String, byte[]> files = edit.files();
        byte[] old = files.get(path);
        if (old == null || !path.endsWith(".drl.csv") || !body.path("rows").isArray()) {
            throw new HttpError(400, "PVP-H825", "path", "send {path, rows}: the path of a table of the draft (e.g."
                    + " bands.drl.csv) and its rows of cells");
        }
        List<List<String>> rows = cells(body.get("rows"));
        lockedUnchanged(path, RuleGrid.rows(old), rows);
        byte[] content = RuleGrid.csv(rows, old);
        drafts.save(edit.user(), edit.draft(), path, content);
        files.put(path, content);
        json(ctx, check(files, false));
    }

    /** The rows of cells sent, each cell text (a number as written); refused where one is not. */
    private static List<List<String>> cells(JsonNode rows) {
        List<List<String>> cells = new java.util.ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = rows.get(r);
            if (!row.isArray()) {
                throw new HttpError(400, "PVP-H825", "rows[" + r + "]", "send each row as an array of its cells, each"
                        + " a string");
            }
            List<String> values = new java.util.ArrayList<>();
            for (int c = 0; c < row.size(); c++) {
                JsonNode cell = row.get(c);
                if (!cell.isTextual() && !cell.isNumber()) {
                    throw new HttpError(400, "PVP-H825", "rows[" + r + "][" + c + "]", "send each cell as a string, as"
                            + " the grid shows it");
                }
                values.add(cell.asText());
            }
            cells.add(values);
        }
        return cells;
    }

    /**
     * Adds a row to a table of a draft (a copy of row {@code after}, with {@code id}) or removes row
     * {@code remove}, where the table's rows are not the model's own ({@link TableRows}); answers the
     * draft's tables again and its checks, the scenarios following from {@code GET .../check}.
     */
    private void changeRows(Context ctx) throws SQLException, IOException {
        DraftEdit edit = draftEdit(ctx);
        JsonNode body = edit.body();
        String path = body.path("path").asText();
        Map<String, byte[]> files = edit.files();
        byte[] old = files.get(path);
        if (old == null || !path.endsWith(".drl.csv") || !(body.path("after").isInt() || body.path("remove").isInt())) {
            throw new HttpError(400, "PVP-H825", "path", "send {path, after, id} to add a row below row 'after' of a table"
                    + " of the draft (e.g. guidance.drl.csv), or {path, remove} to remove a row");
        }
        byte[] content = body.path("after").isInt() ? TableRows.add(path, old, body.path("after").asInt(),
                body.path("id").asText(null)) : TableRows.remove(path, old, body.path("remove").asInt());
        drafts.save(edit.user(), edit.draft(), path, content);
        files.put(path, content);
        ObjectNode answer = json.createObjectNode();
        answer.set("files", draftJson.files(files));
        answer.set("check", check(files, false));
        json(ctx, answer);
    }

    /**
     * Keeps a preview as a scenario of the draft (tests/workbench.yaml); answers the draft's checks with
     * it, and what of the form the scenario leaves out ({@link Preview.Patient#leftOut}).
     */
    private void keepPreview(Context ctx) throws SQLException, IOException {
        DraftEdit edit = draftEdit(ctx);
        JsonNode form = edit.body();
        Map<String, byte[]> files = edit.files();
        Preview.Patient patient = Preview.Patient.of(form, true);
        byte[] kept = preview.keep(compiled(files), patient, form.path("name").asText().strip(),
                files.get(Preview.SCENARIO_FILE));
        drafts.save(edit.user(), edit.draft(), Preview.SCENARIO_FILE, kept);
        files.put(Preview.SCENARIO_FILE, kept);
        ObjectNode answer = check(files, true);
        answer.set("leftOut", json.valueToTree(patient.leftOut()));
        json(ctx, answer);
    }

    /** A scenario of the draft in the form's clinical terms: {@code ?where=tests/x.yaml:LINE}, as the scenario list names it. */
    private void scenarioFields(Context ctx) throws SQLException, IOException {
        signedIn(ctx);
        Map<String, byte[]> files = drafts.files(drafts.find(id(ctx)).id());
        ScenarioText.Place where = ScenarioText.place(ctx.queryParam("where"), files);
        ScenarioText.Found found = ScenarioText.at(where.file(), files.get(where.file()), where.line());
        json(ctx, ScenarioForm.fields(found.scenario()).put("where", where.file() + ":" + found.line()));
    }

    /**
     * Saves the form's scenario into the draft (in place of the one at {@code where}, or added to
     * {@code file}, by default tests/workbench.yaml), or deletes the one at {@code where}; answers the
     * draft's checks with the scenarios run, as keeping a preview does.
     */
    private void changeScenario(Context ctx, boolean delete) throws SQLException, IOException {
        DraftEdit edit = draftEdit(ctx);
        JsonNode form = edit.body();
        Map<String, byte[]> files = edit.files();
        String path;
        byte[] content;
        if (form.hasNonNull("where") && !form.path("where").asText().isBlank()) {
            ScenarioText.Place where = ScenarioText.place(form.path("where").asText(), files);
            path = where.file();
            ScenarioText.Found old = ScenarioText.at(path, files.get(path), where.line());
            content = delete ? ScenarioText.remove(path, files.get(path), old) : ScenarioText.put(path, files.get(path), old,
                    ScenarioForm.scenario(old.scenario(), form, ScenarioForm.guidanceIds(files)));
        } else if (delete) {
            throw new HttpError(400, ScenarioForm.CODE, "where", "say which scenario to delete: its file and line, as the"
                    + " scenario list gives them (tests/workbench.yaml:3)");
        } else {
            path = ScenarioForm.newScenarioFile(form, files);
            content = ScenarioText.put(path, files.get(path), null,
                    ScenarioForm.scenario(null, form, ScenarioForm.guidanceIds(files)));
        }
        drafts.save(edit.user(), edit.draft(), path, content);
        files.put(path, content);
        json(ctx, check(files, true));
    }

    /** The draft's rules, compiled; refused while they do not compile. */
    private org.refracturecds.engine.RuleSet compiled(Map<String, byte[]> files) {
        RulesCheck.Outcome outcome = drafts.checks().compile(files);
        if (outcome.rules() == null) {
            throw new HttpError(409, "PVP-H823", "draft", "the draft's rules do not compile, so there is nothing to preview:"
                    + " mend the problems shown on the cells first");
        }
        return outcome.rules();
    }

    /** A table file of a draft as an Excel workbook. */
    private void download(Context ctx) throws SQLException, IOException {
        signedIn(ctx);
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        String path = ctx.pathParam("path");
        byte[] file = drafts.files(draft.id()).get(path);
        if (file == null || !path.endsWith(".drl.csv")) {
            throw new HttpError(404, "PVP-H825", "path", "draft " + draft.id() + " has no table " + HttpError.cut(path, 60));
        }
        ctx.header("Content-Disposition", "attachment; filename=\"" + path.replace(".drl.csv", "") + "-draft-" + draft.id()
                + ".xlsx\"");
        ctx.contentType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .result(Spreadsheets.xlsx(path, RuleGrid.rows(file)));
    }

    /** An Excel workbook uploaded in place of a table file: the same checks as an edit in the grid, then the draft page. */
    private void upload(Context ctx) throws SQLException, IOException {
        User user = guard(ctx);
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        String path = ctx.pathParam("path");
        byte[] old = drafts.files(draft.id()).get(path);
        io.javalin.http.UploadedFile upload = ctx.uploadedFile("file");
        if (old == null || !path.endsWith(".drl.csv") || upload == null) {
            throw new HttpError(400, "PVP-H825", "file", "choose the .xlsx of a table of this draft to upload");
        }
        List<List<String>> before = RuleGrid.rows(old);
        List<List<String>> rows;
        try (InputStream in = upload.content()) {
            rows = Spreadsheets.rows(in, before);
        }
        lockedUnchanged(path, before, rows);
        drafts.save(user, draft, path, RuleGrid.csv(rows, old));
        ctx.redirect("/workbench/drafts/" + draft.id() + "#changes-title", HttpStatus.SEE_OTHER);
    }

    /** A centre's cohort uploaded to a draft: fitted, the fit added to the draft, the report shown ({@link CohortUpload}). */
    private void calibrate(Context ctx) throws SQLException, IOException {
        User user = guard(ctx);
        WorkbenchDrafts.Draft draft = drafts.find(id(ctx));
        io.javalin.http.UploadedFile upload = ctx.uploadedFile("cohort");
        if (upload == null) {
            throw new HttpError(400, "PVP-H830", "cohort", "choose the centre's cohort to upload: a CSV with the columns"
                    + " patient,level,ivc,epd,npec,rr,refracture (README), or FHIR as a Bundle or NDJSON");
        }
        byte[] file;
        try (InputStream in = upload.content()) {
            file = in.readAllBytes();
        }
        CohortUpload.Report report = cohorts.propose(user, draft, compiled(new TreeMap<>(drafts.files(draft.id()))),
                upload.filename(), file);
        ctx.header("Content-Security-Policy", report.policy());
        html(ctx, report.html());
    }

    /** Refuses an edit of a locked cell (the code rows, ids and codes): the page never sends one. */
    private static void lockedUnchanged(String path, List<List<String>> before, List<List<String>> after) {
        if (before.size() != after.size()) {
            throw new HttpError(400, "PVP-H826", path, "rows are added and removed with the buttons of the"
                    + " grid (or the file), not in an edit of its cells");
        }
        List<RuleGrid.Table> tables = RuleGrid.tables(before);
        for (int r = 0; r < before.size(); r++) {
            int row = r + 1;
            Optional<RuleGrid.Table> table = tables.stream().filter(t -> row >= t.firstRow() && row <= t.lastRow()).findFirst();
            List<String> was = before.get(r);
            List<String> now = after.get(r);
            for (int c = 0; c < Math.max(was.size(), now.size()); c++) {
                int column = c + 1;
                String a = c < was.size() ? was.get(c) : "";
                String b = c < now.size() ? now.get(c) : "";
                boolean editable = table.isPresent() && table.get().columns().stream()
                        .anyMatch(k -> k.index() == column && k.editable());
                if (!a.equals(b) && !editable) {
                    throw new HttpError(400, "PVP-H826", path + " row " + row, "column " + column + " of row " + row
                            + " is locked: it holds code or an id the program uses");
                }
            }
        }
    }

    /** The checks of a draft beside the live rules'; with {@code scenarios}, the scenarios run too. */
    private ObjectNode check(Map<String, byte[]> files, boolean scenarios) throws SQLException, IOException {
        Drafts.Live live = drafts.live();
        RulesCheck.Outcome draft = drafts.check(files, scenarios);
        RulesCheck.Outcome before = drafts.checks().check(live.files());
        ObjectNode check = draftJson.check(draft, before, files, live.files());
        if (scenarios && draft.rules() != null && before.rules() != null) {
            check.set("references", preview.referenceCases(before.rules(), draft.rules()));
        }
        return check;
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8" : null;
        InputStream in = type == null || !name.matches("[a-z-]+\\.(js|css)") ? null
                : Workbench.class.getClassLoader().getResourceAsStream("web/workbench/" + name);
        if (in == null) {
            throw new HttpError(404, "PVP-H404", "path", "nothing at /workbench/assets/" + HttpError.cut(name, 40));
        }
        try (in) {
            ctx.contentType(type).result(in.readAllBytes());
        }
    }

    /** The signed-in user of a change: signed in, with the session's CSRF token, from this origin. */
    private User guard(Context ctx) {
        Sessions.Session session = session(ctx).orElseThrow(Workbench::notSignedIn);
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals(origin(publicUrl.get())) && !origin.equals(origin(ctx.url()))) {
            throw new HttpError(403, "PVP-H811", "Origin", "a change to the workbench must come from its own pages");
        }
        String token = ctx.header(CSRF_HEADER);
        if (token == null) {
            token = ctx.formParam("csrf");
        }
        if (token == null || !same(token, session.csrf())) {
            throw new HttpError(403, "PVP-H811", "csrf", "this form is out of date (or came from another site): reload"
                    + " the page and try again");
        }
        return session.user();
    }

    private User signedIn(Context ctx) {
        return session(ctx).orElseThrow(Workbench::notSignedIn).user();
    }

    private static HttpError notSignedIn() {
        return new HttpError(401, "PVP-H810", "session", "not signed in, or the sign-in expired: sign in at /workbench");
    }

    private Optional<Sessions.Session> session(Context ctx) {
        try {
            return sessions.find(ctx.cookie(SESSION_COOKIE));
        } catch (SQLException e) {
            throw signInsUnreadable(e);
        }
    }

    /** PVP-H829: the sign-ins are kept in the database, which cannot be used now. */
    private static HttpError signInsUnreadable(SQLException e) {
        LOG.warn("workbench: the sign-ins cannot be read or written in the database: {}",
                String.valueOf(e.getMessage()).split("\n")[0]);
        return new HttpError(503, "PVP-H829", "session", "the workbench's sign-ins are kept in the database, which"
                + " cannot be used now: try again in a moment");
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new HttpError(404, "PVP-H820", "id", "there is no draft or version '" + HttpError.cut(ctx.pathParam("id"), 20)
                    + "': open one from the list on /workbench");
        }
    }

    /** HttpOnly, Secure (browsers keep Secure cookies of http://127.0.0.1 and localhost too), SameSite=Lax. */
    private static String cookie(String name, String value, int seconds) {
        return name + "=" + value + "; Path=/workbench; Max-Age=" + seconds + "; HttpOnly; Secure; SameSite=Lax";
    }

    private static String origin(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    private static boolean same(String a, String b) {
        return b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void html(Context ctx, String page) {
        ctx.contentType("text/html; charset=utf-8").result(page);
    }

    private void json(Context ctx, JsonNode body) throws IOException {
        ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    }
}
