package org.refracturecds.workbench;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.refracturecds.authoring.LiveRules;
import org.refracturecds.authoring.RuleFiles;
import org.refracturecds.authoring.RulesCheck;
import org.refracturecds.authoring.RulesSync;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.http.HttpError;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.WorkbenchDrafts;
import org.refracturecds.store.WorkbenchDrafts.Draft;

/**
 * What the workbench does with drafts: make one from the live rules (or from an earlier
 * publication, to restore it), save an edit, submit it, and approve (publish) or return it. The
 * checks are {@code rules check} and {@code rules test}'s ({@link RulesCheck}); publishing is
 * {@code rules publish}'s ({@link RulesSync#publish}), after which this node loads the
 * publication at once and the others within their poll interval. Each step is an audit row,
 * written with the step.
 */
final class Drafts {

    /** The live rules' files, and their hash and version. */
    record Live(String sha256, String version, Map<String, byte[]> files) {
    }

    private final WorkbenchDrafts store;
    private final RulesCheck checks;
    private final LiveRules rules;
    private final RulesSync sync;
    private final RulesVersions versions;
    private final Supplier<String> node;
    private final Clock clock;
    private volatile Live live;

    Drafts(WorkbenchDrafts store, RulesCheck checks, LiveRules rules, RulesSync sync, RulesVersions versions,
           Supplier<String> node, Clock clock) {
        this.store = store;
        this.checks = checks;
        this.rules = rules;
        this.sync = sync;
        this.versions = versions;
        this.node = node;
        this.clock = clock;
    }

    RulesCheck checks() {
        return checks;
    }

    /** {@code rules check} of a draft's files, and with {@code scenarios}, {@code rules test}. */
    RulesCheck.Outcome check(Map<String, byte[]> files, boolean scenarios) {
        return scenarios ? checks.check(files) : checks.problems(files);
    }

    /**
     * The files of the rules this node serves: the published version's, else the rules folder's,
     * else the bundled ones.
     */
    Live live() throws SQLException, IOException {
        LiveRules.Status status = rules.status();
        Live known = live;
        if (known != null && known.sha256().equals(status.sha256())) {
            return known;
        }
        RulesSync.View view = sync.view();
        Map<String, byte[]> files;
        if (view.published() != null && view.published().sha256().equals(status.sha256())) {
            files = versions.files(view.published().id());
        } else if (rules.dir() != null) {
            files = RuleFiles.read(rules.dir());
        } else {
            files = RuleFiles.bundled();
        }
        known = new Live(status.sha256(), status.version(), files);
        live = known;
        return known;
    }

    long create(User user, String note) throws SQLException, IOException {
        Live base = live();
        return create(user, note, base.files());
    }

    /** A draft whose files are those of publication {@code versionId}: once approved, that version is live again. */
    long restore(User user, long versionId) throws SQLException, IOException {
        RulesVersions.Published old = versions.history().stream().filter(p -> p.id() == versionId).findFirst()
                .orElseThrow(() -> new HttpError(404, "PVP-H820", "version", "there is no publication " + versionId
                        + ": pick one from the list of published versions"));
        Map<String, byte[]> files = versions.files(versionId);
        if (files.isEmpty()) {
            throw new HttpError(409, "PVP-H820", "version", "publication " + versionId + " holds no files, so it cannot"
                    + " be restored here: publish its folder with rules publish");
        }
        return create(user, "Restore version " + old.version() + " sha256:" + old.sha256().substring(0, 12)
                + " (published " + old.publishedAt() + " by " + old.publishedBy() + ")", files);
    }

    private long create(User user, String note, Map<String, byte[]> files) throws SQLException, IOException {
        if (note == null || note.isBlank()) {
            throw new HttpError(400, "PVP-H821", "note", "a draft needs a note saying what the change is for");
        }
        Live base = live();
        String text = note.strip().length() > 2000 ? note.strip().substring(0, 2000) : note.strip();
        return store.create(text, base.sha256(), base.version(), user.id(), cut(user.name(), 200), files,
                List.of(event(user, AuditTrail.DRAFT_CREATED, new AuditTrail.Rules(base.version(), base.sha256()),
                        "by " + user.name() + ": " + text)));
    }

    Draft find(long id) throws SQLException {
        return store.find(id).orElseThrow(() -> new HttpError(404, "PVP-H820", "draft", "there is no draft " + id
                + ": open one from the list on /workbench"));
    }

    List<Draft> list() throws SQLException {
        return store.list();
    }

    Map<String, byte[]> files(long id) throws SQLException {
        return store.files(id);
    }

    /** Saves one file of a draft its author is editing. */
    void save(User user, Draft draft, String path, byte[] content) throws SQLException {
        if (!draft.author().equals(user.id())) {
            throw new HttpError(403, "PVP-H812", "draft", "only the draft's author (" + draft.authorName() + ") may change"
                    + " it: start a draft of your own");
        }
        if (!store.saveFile(draft.id(), path, content)) {
            throw new HttpError(409, "PVP-H822", "draft", "draft " + draft.id() + " is " + find(draft.id()).state()
                    + " and can no longer be changed");
        }
    }

    /** Submits a draft for review: it must compile and pass every scenario. */
    void submit(User user, Draft draft) throws SQLException {
        if (!draft.author().equals(user.id())) {
            throw new HttpError(403, "PVP-H812", "draft", "only the draft's author (" + draft.authorName() + ") may submit it");
        }
        if (!draft.editable()) {
            throw new HttpError(409, "PVP-H822", "draft", "draft " + draft.id() + " is " + draft.state()
                    + ": only a draft being edited or returned can be submitted");
        }
        RulesCheck.Outcome outcome = check(store.files(draft.id()), true);
        requirePublishable(outcome);
        if (!store.move(draft.id(), draft.state(), WorkbenchDrafts.SUBMITTED, null, null, null, null,
                List.of(event(user, AuditTrail.DRAFT_SUBMITTED, which(outcome), "draft " + draft.id() + " by "
                        + user.name() + ": " + outcome.report().passed() + " scenarios passed")))) {
            throw new HttpError(409, "PVP-H822", "draft", "draft " + draft.id() + " is " + draft.state()
                    + ": only a draft being edited or returned can be submitted");
        }
    }

    /** Returns a submitted draft to its author with a comment. */
    void returnToAuthor(User user, Draft draft, String comment) throws SQLException {
        reviewer(user, draft);
        if (comment == null || comment.isBlank()) {
            throw new HttpError(400, "PVP-H821", "comment", "say what the author should change: a returned draft needs a comment");
        }
        String text = comment.strip().length() > 2000 ? comment.strip().substring(0, 2000) : comment.strip();
        if (!store.move(draft.id(), WorkbenchDrafts.SUBMITTED, WorkbenchDrafts.RETURNED, user.id(), cut(user.name(), 200),
                text, null, List.of(event(user, AuditTrail.DRAFT_RETURNED, null, "draft " + draft.id() + " by "
                        + user.name() + ": " + text)))) {
            throw notSubmitted(draft);
        }
    }

    /**
     * Approves a submitted draft and publishes it, when it compiles, every scenario passes and the
     * live rules are still those it was made from; this node serves it at once.
     */
    RulesVersions.Published approve(User user, Draft draft) throws SQLException, IOException {
        reviewer(user, draft);
        if (!WorkbenchDrafts.SUBMITTED.equals(draft.state())) {
            throw notSubmitted(draft);
        }
        LiveRules.Status status = rules.status();
        if (!status.sha256().equals(draft.baseSha256())) {
            throw new HttpError(409, "PVP-H824", "draft", "the live rules changed since draft " + draft.id() + " was made"
                    + " (it was made from version " + draft.baseVersion() + " sha256:" + draft.baseSha256().substring(0, 12)
                    + ", version " + status.version() + " sha256:" + status.sha256().substring(0, 12) + " is live now):"
                    + " return it, and make the change again on a new draft");
        }
        Map<String, byte[]> files = store.files(draft.id());
        RulesCheck.Outcome outcome = check(files, true);
        requirePublishable(outcome);
        RuleSet compiled = outcome.rules();
        String by = cut("user " + user.name() + " (workbench draft " + draft.id() + " by " + draft.authorName() + ")", 200);
        if (sync.view().published() == null) {
            keepTheRulesBefore(status);
        }
        Path dir = RuleFiles.writeToTemporaryFolder(files);
        Optional<RulesVersions.Published> made;
        try {
            made = RulesSync.publish(versions, dir, compiled.hash(), compiled.version(), by, clock);
        } finally {
            RuleFiles.delete(dir);
        }
        if (!store.move(draft.id(), WorkbenchDrafts.SUBMITTED, WorkbenchDrafts.PUBLISHED, user.id(),
                cut(user.name(), 200), null, compiled.hash(), List.of(event(user, AuditTrail.DRAFT_APPROVED,
                        which(outcome), "draft " + draft.id() + " by " + user.name() + ": " + outcome.report().passed()
                                + " scenarios passed" + (made.isPresent() ? ", published" : ", already live"))))) {
            throw notSubmitted(draft);
        }
        sync.poll();
        return made.orElseGet(() -> sync.view().published());
    }

    /**
     * Before the first publication of all, the rules this node served (its folder's or the bundled
     * ones) are published as they are, so that they can be restored like any other version.
     */
    private void keepTheRulesBefore(LiveRules.Status status) throws SQLException, IOException {
        Live before = live();
        Path dir = RuleFiles.writeToTemporaryFolder(before.files());
        try {
            RulesSync.publish(versions, dir, status.sha256(), status.version(), cut("node " + node.get() + ": the rules"
                    + " served before the workbench's first publication (" + status.origin() + ")", 200), clock);
        } finally {
            RuleFiles.delete(dir);
        }
    }

    List<RulesVersions.Published> history() throws SQLException {
        return versions.history();
    }

    private static void reviewer(User user, Draft draft) {
        if (!user.mayApprove()) {
            throw new HttpError(403, "PVP-H813", "role", "you are an author: only an approver may approve or return a draft");
        }
        if (draft.author().equals(user.id())) {
            throw new HttpError(403, "PVP-H814", "draft", "you wrote draft " + draft.id() + ": another approver must"
                    + " review it");
        }
    }

    private static void requirePublishable(RulesCheck.Outcome outcome) {
        if (!outcome.publishable()) {
            String why = outcome.rules() == null || !outcome.problems().isEmpty()
                    ? outcome.problems().size() + " problem(s) in the files, first: " + outcome.problems().get(0).render()
                    : outcome.report().failed() + " scenario(s) fail";
            throw new HttpError(409, "PVP-H823", "draft", "the draft cannot go further until it compiles and every"
                    + " scenario passes: " + why);
        }
    }

    private static HttpError notSubmitted(Draft draft) {
        return new HttpError(409, "PVP-H822", "draft", "draft " + draft.id() + " is no longer waiting for review"
                + " (someone acted on it first): open it again");
    }

    private static AuditTrail.Rules which(RulesCheck.Outcome outcome) {
        return outcome.rules() == null ? null : new AuditTrail.Rules(outcome.rules().version(), outcome.rules().hash());
    }

    private AuditTrail.Event event(User user, String event, AuditTrail.Rules which, String detail) {
        return new AuditTrail.Event(clock.instant(), event, node.get(), user.via(), user.id(), null, null, which, null,
                null, null, null, detail);
    }

    static String cut(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length);
    }
}
