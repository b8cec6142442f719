package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules workbench's drafts, in the tables {@code workbench_draft} and {@code
 * workbench_draft_file} (V10__workbench_drafts.sql). A draft holds a whole rules folder; its state
 * moves editing -> submitted -> published, or submitted -> returned -> submitted; each move is
 * conditional on the state it comes from, so two reviewers cannot both act on one draft, and it is
 * committed with its audit rows.
 */
public final class WorkbenchDrafts {

    public static final String EDITING = "editing";
    public static final String SUBMITTED = "submitted";
    public static final String RETURNED = "returned";
    public static final String PUBLISHED = "published";

    /** One draft, without its files. */
    public record Draft(long id, String note, String baseSha256, String baseVersion, String author, String authorName,
                        Instant createdAt, Instant updatedAt, String state, String reviewer, String reviewerName,
                        Instant reviewedAt, String reviewComment, String publishedSha256) {

        /** Whether its author may still change it. */
        public boolean editable() {
            return EDITING.equals(state) || RETURNED.equals(state);
        }
    }

    private static final String COLUMNS = """
            id, note, base_sha256, base_version, author, author_name, created_at, updated_at, state, reviewer,
            reviewer_name, reviewed_at, review_comment, published_sha256""";
    private static final String INSERT = """
            INSERT INTO workbench_draft (note, base_sha256, base_version, author, author_name, created_at, updated_at, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String INSERT_FILE = "INSERT INTO workbench_draft_file (draft_id, path, content) VALUES (?, ?, ?)";
    private static final String UPDATE_FILE = "UPDATE workbench_draft_file SET content = ? WHERE draft_id = ? AND path = ?";
    private static final String TOUCH = "UPDATE workbench_draft SET updated_at = ? WHERE id = ? AND state IN (?, ?)";
    private static final String FIND = "SELECT " + COLUMNS + " FROM workbench_draft WHERE id = ?";
    private static final String LIST = "SELECT " + COLUMNS + " FROM workbench_draft ORDER BY id DESC FETCH FIRST 100 ROWS ONLY";
    private static final String FILES = "SELECT path, content FROM workbench_draft_file WHERE draft_id = ?";
    private static final String MOVE = """
            UPDATE workbench_draft SET state = ?, updated_at = ?, reviewer = COALESCE(?, reviewer),
                   reviewer_name = COALESCE(?, reviewer_name), reviewed_at = COALESCE(?, reviewed_at),
                   review_comment = COALESCE(?, review_comment), published_sha256 = COALESCE(?, published_sha256)
            WHERE id = ? AND state = ?""";

    private final Database database;
    private final Clock clock;

    public WorkbenchDrafts(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Stores a new draft with its files and audit rows, in one transaction; its id. */
    public long create(String note, String baseSha256, String baseVersion, String author, String authorName,
                       Map<String, byte[]> files, List<AuditTrail.Event> audit) throws SQLException {
        OffsetDateTime now = now();
        return database.write(connection -> {
            long id;
            try (PreparedStatement insert = connection.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, note);
                insert.setString(2, baseSha256);
                insert.setString(3, baseVersion);
                insert.setString(4, author);
                insert.setString(5, authorName);
                insert.setObject(6, now);
                insert.setObject(7, now);
                insert.setString(8, EDITING);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
            RulesVersions.insertFiles(connection, INSERT_FILE, id, files);
            AuditTrail.insert(connection, withDraft(audit, id));
            return id;
        });
    }

    /**
     * Replaces one file of a draft its author may still change, or adds it.
     *
     * @return false when the draft is not (or no longer) editable
     */
    public boolean saveFile(long id, String path, byte[] content) throws SQLException {
        OffsetDateTime now = now();
        return database.write(connection -> {
            try (PreparedStatement touch = connection.prepareStatement(TOUCH)) {
                touch.setObject(1, now);
                touch.setLong(2, id);
                touch.setString(3, EDITING);
                touch.setString(4, RETURNED);
                if (touch.executeUpdate() != 1) {
                    return false;
                }
            }
            try (PreparedStatement update = connection.prepareStatement(UPDATE_FILE)) {
                update.setBytes(1, content);
                update.setLong(2, id);
                update.setString(3, path);
                if (update.executeUpdate() == 1) {
                    return true;
                }
            }
            RulesVersions.insertFiles(connection, INSERT_FILE, id, Map.of(path, content));
            return true;
        });
    }

    /**
     * Moves a draft from state {@code from} to {@code to}, with its audit rows, when it is still in {@code from}.
     *
     * @param reviewer the reviewer's id and name, the comment and the published hash: null to leave them as they are
     * @return false when the draft was not in {@code from} (someone else acted first)
     */
    public boolean move(long id, String from, String to, String reviewer, String reviewerName, String comment,
                        String publishedSha256, List<AuditTrail.Event> audit) throws SQLException {
        OffsetDateTime now = now();
        return database.write(connection -> {
            try (PreparedStatement move = connection.prepareStatement(MOVE)) {
                move.setString(1, to);
                move.setObject(2, now);
                move.setString(3, reviewer);
                move.setString(4, reviewerName);
                move.setObject(5, reviewer == null ? null : now);
                move.setString(6, comment);
                move.setString(7, publishedSha256);
                move.setLong(8, id);
                move.setString(9, from);
                if (move.executeUpdate() != 1) {
                    return false;
                }
            }
            AuditTrail.insert(connection, audit);
            return true;
        });
    }

    public Optional<Draft> find(long id) throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(FIND)) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(draft(row)) : Optional.empty();
                }
            }
        });
    }

    /** The latest 100 drafts, newest first. */
    public List<Draft> list() throws SQLException {
        return database.read(connection -> {
            List<Draft> drafts = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(LIST);
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    drafts.add(draft(rows));
                }
            }
            return drafts;
        });
    }

    /** A draft's files by path. */
    public Map<String, byte[]> files(long id) throws SQLException {
        return database.read(connection -> RulesVersions.readFiles(connection, FILES, id));
    }

    private static Draft draft(ResultSet row) throws SQLException {
        return new Draft(row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                row.getString(6), instant(row, 7), instant(row, 8), row.getString(9), row.getString(10),
                row.getString(11), instant(row, 12), row.getString(13), row.getString(14));
    }

    private static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime at = row.getObject(column, OffsetDateTime.class);
        return at == null ? null : at.toInstant();
    }

    /** The audit rows of a draft just created name it: "draft N: ..." in their detail. */
    private static List<AuditTrail.Event> withDraft(List<AuditTrail.Event> audit, long id) {
        return audit.stream().map(e -> new AuditTrail.Event(e.at(), e.event(), e.node(), e.clientIss(), e.clientSub(),
                e.serviceId(), e.patientHmac(), e.rules(), e.httpStatus(), e.errorCode(), e.durationMs(), e.requestId(),
                "draft " + id + ": " + e.detail())).toList();
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }
}
