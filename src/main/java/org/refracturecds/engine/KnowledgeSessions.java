package org.refracturecds.engine;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.kie.api.KieBase;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionsPool;
import org.kie.api.runtime.rule.FactHandle;

/**
 * The sessions assessments run in. Inserting the rules' knowledge into each (the facts of the
 * tables some rule reads: coefficients, codings, bands..., 38 of the bundled rules) was about a third
 * of an assessment's time in the rules, the same work for every patient. So a session keeps its knowledge between assessments: it takes a
 * patient's facts, fires the stages, and has every fact of that patient deleted again, those
 * the rules inserted included, before the next patient's.
 *
 * <p>That gives the same answer as a new session only when nothing fires on the knowledge alone:
 * such a rule would fire for the first patient of a kept session and never again. Each rule set is
 * tried once when it loads ({@link #firesOnKnowledgeAlone}); when something fires, as a clinician's
 * new rule might, every assessment takes a new session instead, as before. A session whose facts
 * are not back to the knowledge after a patient (a rule deleted a fact of the knowledge) is
 * dropped, not kept.
 */
final class KnowledgeSessions {

    /** Sessions kept at most: about as many as assessments run at once. */
    private static final int KEPT = 4 * Runtime.getRuntime().availableProcessors();

    private final KieBase kieBase;
    private final KieSessionsPool fresh;
    private final List<Object> knowledge;
    private final boolean kept;
    private final Queue<KieSession> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger readyCount = new AtomicInteger();
    private final AtomicInteger made = new AtomicInteger();

    KnowledgeSessions(KieBase kieBase, List<Object> knowledge) {
        this(kieBase, knowledge, !firesOnKnowledgeAlone(kieBase, knowledge));
    }

    /** @param kept keep sessions with their knowledge, without trying the rules first (for the tests) */
    KnowledgeSessions(KieBase kieBase, List<Object> knowledge, boolean kept) {
        this.kieBase = kieBase;
        this.fresh = kieBase.newKieSessionsPool(Runtime.getRuntime().availableProcessors());
        this.knowledge = knowledge;
        this.kept = kept;
    }

    /** True when sessions keep their knowledge between assessments (see the class). */
    boolean kept() {
        return kept;
    }

    /**
     * Fires the stages, in order, over the knowledge and {@code facts} (inserted in their order, after
     * the knowledge) and says what the rules did.
     *
     * @param trace keep the names of the rules that fired, for {@code --explain}
     */
    SessionLog fire(List<Object> facts, boolean trace) {
        return kept ? fireKept(facts, trace) : fireFresh(facts, trace);
    }

    private SessionLog fireFresh(List<Object> facts, boolean trace) {
        KieSession session = fresh.newKieSession();
        try {
            SessionLog log = SessionLog.attach(session, trace);
            knowledge.forEach(session::insert);
            facts.forEach(session::insert);
            fireStages(session);
            return log;
        } finally {
            session.dispose();
        }
    }

    private SessionLog fireKept(List<Object> facts, boolean trace) {
        KieSession session = take();
        boolean clean = false;
        try {
            SessionLog log = SessionLog.attach(session, trace);
            facts.forEach(session::insert);
            fireStages(session);
            log.detach(session);
            deleteAll(session, log.inserted);
            deleteAll(session, facts);
            clean = session.getFactCount() == knowledge.size();
            return log;
        } finally {
            if (clean && readyCount.incrementAndGet() <= KEPT) {
                ready.add(session);
            } else {
                if (clean) {
                    readyCount.decrementAndGet();
                }
                session.dispose();
            }
        }
    }

    private KieSession take() {
        KieSession session = ready.poll();
        if (session != null) {
            readyCount.decrementAndGet();
            return session;
        }
        session = kieBase.newKieSession();
        knowledge.forEach(session::insert);
        made.incrementAndGet();
        return session;
    }

    /** How many sessions were made to be kept (one at a time, only one is, however many patients it takes). */
    int made() {
        return made.get();
    }

    /** Deletes each of {@code objects} still in the session (a rule may have deleted one already). */
    private static void deleteAll(KieSession session, List<Object> objects) {
        for (Object object : objects) {
            FactHandle handle = session.getFactHandle(object);
            if (handle != null) {
                session.delete(handle);
            }
        }
    }

    static void fireStages(KieSession session) {
        for (int i = RuleSet.STAGES.size() - 1; i >= 0; i--) {
            session.getAgenda().getAgendaGroup(RuleSet.STAGES.get(i)).setFocus();
        }
        session.fireAllRules();
    }

    /** Whether any rule fires, or inserts anything, in a session with nothing but the knowledge in it. */
    static boolean firesOnKnowledgeAlone(KieBase kieBase, List<Object> knowledge) {
        KieSession session = kieBase.newKieSession();
        try {
            SessionLog log = SessionLog.attach(session, true);
            knowledge.forEach(session::insert);
            fireStages(session);
            return !log.fired.isEmpty() || !log.inserted.isEmpty() || session.getFactCount() != knowledge.size();
        } finally {
            session.dispose();
        }
    }
}
