package org.refracturecds.workbench;

import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.refracturecds.http.Templates;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.WorkbenchDrafts;

import com.github.mustachejava.Mustache;

/** The workbench's pages, from the Mustache templates under {@code web/workbench/}. */
final class WorkbenchPages {

    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Mustache signIn;
    private final Mustache home;
    private final Mustache draft;
    private final Mustache audit;
    private final Mustache problem;

    WorkbenchPages() {
        Templates templates = new Templates();
        this.signIn = templates.compile("workbench/signin.mustache");
        this.home = templates.compile("workbench/home.mustache");
        this.draft = templates.compile("workbench/draft.mustache");
        this.audit = templates.compile("workbench/audit.mustache");
        this.problem = templates.compile("workbench/problem.mustache");
    }

    record Me(String name, String role, String csrf, boolean approver) {
        static Me of(Sessions.Session session) {
            return new Me(session.user().name(), session.user().role().word(), session.csrf(), session.user().mayApprove());
        }
    }

    record DraftRow(long id, String note, String author, String state, String updated, String reviewer, String comment,
                    String base, boolean editable, boolean submitted, boolean returned, boolean published) {
        static DraftRow of(WorkbenchDrafts.Draft d) {
            return new DraftRow(d.id(), d.note(), d.authorName(), d.state(), at(d.updatedAt()), d.reviewerName(),
                    d.reviewComment(), d.baseVersion() + " sha256:" + d.baseSha256().substring(0, 12), d.editable(),
                    WorkbenchDrafts.SUBMITTED.equals(d.state()), WorkbenchDrafts.RETURNED.equals(d.state()),
                    WorkbenchDrafts.PUBLISHED.equals(d.state()));
        }
    }

    record VersionRow(long id, String version, String sha, String at, String by, boolean live) {
    }

    record Level(String name, boolean selected) {
    }

    private static final List<Level> LEVELS = java.util.stream.Stream.of("T4", "T5", "T6", "T7", "T8", "T9", "T10",
            "T11", "T12", "L1", "L2", "L3", "L4", "L5").map(name -> new Level(name, name.equals("T12"))).toList();

    record EventRow(String at, String event, String who, String rules, String code, String detail) {
    }

    String signIn(String login, boolean accounts, boolean provider, String error) {
        return render(signIn, new Object() {
            final String loginToken = login;
            final boolean hasAccounts = accounts;
            final boolean hasProvider = provider;
            final String problem = error;
        });
    }

    String home(Sessions.Session session, List<WorkbenchDrafts.Draft> drafts, List<RulesVersions.Published> versions) {
        List<VersionRow> rows = new java.util.ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            RulesVersions.Published p = versions.get(i);
            rows.add(new VersionRow(p.id(), p.version(), p.sha256().substring(0, 12), at(p.publishedAt()), p.publishedBy(), i == 0));
        }
        return render(home, new Object() {
            final Me me = Me.of(session);
            final List<DraftRow> draftRows = drafts.stream().map(DraftRow::of).toList();
            final boolean hasDrafts = !drafts.isEmpty();
            final List<VersionRow> versionRows = rows;
            final boolean hasVersions = !rows.isEmpty();
        });
    }

    String draft(Sessions.Session session, WorkbenchDrafts.Draft d) {
        boolean mine = d.author().equals(session.user().id());
        return render(draft, new Object() {
            final Me me = Me.of(session);
            final DraftRow draftRow = DraftRow.of(d);
            final boolean mayEdit = mine && d.editable();
            final boolean mayReview = !mine && session.user().mayApprove() && WorkbenchDrafts.SUBMITTED.equals(d.state());
            final boolean ownSubmitted = mine && WorkbenchDrafts.SUBMITTED.equals(d.state());
            final boolean authorOnly = !mine && !session.user().mayApprove() && WorkbenchDrafts.SUBMITTED.equals(d.state());
            final List<Level> levels = LEVELS;
        });
    }

    String audit(Sessions.Session session, List<AuditTrail.RulesEvent> events) {
        return render(audit, new Object() {
            final Me me = Me.of(session);
            final List<EventRow> rows = events.stream().map(e -> new EventRow(at(e.at()), e.event(), e.who(),
                    e.version() == null ? "" : e.version() + (e.sha256() == null ? "" : " sha256:" + e.sha256().substring(0, 12)),
                    e.errorCode(), e.detail())).toList();
        });
    }

    /** A refused step, for a browser: what went wrong, its code, the way back. */
    String problem(Sessions.Session session, String code, String message) {
        return render(problem, new Object() {
            final Me me = session == null ? null : Me.of(session);
            final String problemCode = code;
            final String text = message;
        });
    }

    private static String at(Instant instant) {
        return instant == null ? "" : MINUTES.format(instant);
    }

    private static String render(Mustache template, Object scope) {
        StringWriter out = new StringWriter(16 * 1024);
        template.execute(out, scope);
        return out.toString();
    }
}
