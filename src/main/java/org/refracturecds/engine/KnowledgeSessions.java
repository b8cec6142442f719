package org.refracturecds.engine;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.kie.api.KieBase;
import org.kie.api.event.rule.DefaultRuleRuntimeEventListener;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionsPool;
import org.kie.api.runtime.rule.EntryPoint;
import org.kie.api.runtime.rule.FactHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * are not back to the knowledge after a patient (a rule deleted a fact of the knowledge, or inserted
 * one into another entry point) is dropped, not kept; once a rule changes a fact of the knowledge
 * (modify, update), which every kept session shares, no session is kept any more.
 */
final class KnowledgeSessions {

    private static final Logger LOG = LoggerFactory.getLogger(KnowledgeSessions.class);
    /** Sessions kept at most: about as many as assessments run at once. */
    private static final int KEPT = 4 * Runtime.getRuntime().availableProcessors();

    private final KieBase kieBase;
    private final List<Object> knowledge;
    private final Set<Object> knowledgeFacts = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile boolean kept;
    private volatile KieSessionsPool fresh;
    private final Queue<KieSession> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger readyCount = new AtomicInteger();
    private final AtomicInteger made = new AtomicInteger();

    /** @param origin where the rules come from, for the log line that says a rule set keeps no session */
    KnowledgeSessions(KieBase kieBase, List<Object> knowledge, String origin) {
        this(kieBase, knowledge, !firesOnKnowledgeAlone(kieBase, knowledge));
        if (!kept) {
            LOG.info("the rules in {} fire on their own tables alone (no patient's facts): each assessment takes a new"
                    + " session, as the rule expects, which is slower", origin);
        }
    }

    /** @param kept keep sessions with their knowledge, without trying the rules first (for the tests) */
    KnowledgeSessions(KieBase kieBase, List<Object> knowledge, boolean kept) {
        this.kieBase = kieBase;
        this.knowledge = knowledge;
        this.knowledgeFacts.addAll(knowledge);
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
        KieSessionsPool pool = fresh;
        if (pool == null) {
            synchronized (this) {
                if (fresh == null) {
                    fresh = kieBase.newKieSessionsPool(Runtime.getRuntime().availableProcessors());
                }
                pool = fresh;
            }
        }
        KieSession session = pool.newKieSession();
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
        KnowledgeWatch watch = new KnowledgeWatch();
        session.addEventListener(watch);
        try {
            SessionLog log = SessionLog.attach(session, trace);
            facts.forEach(session::insert);
            fireStages(session);
            log.detach(session);
            deleteAll(session, log.inserted);
            deleteAll(session, facts);
            clean = !watch.changed && factCount(session) == knowledge.size();
            return log;
        } finally {
            session.removeEventListener(watch);
            if (watch.changed) {
                keepNoMore();
            }
            boolean keep = clean && kept;
            if (keep && readyCount.incrementAndGet() <= KEPT) {
                ready.add(session);
            } else {
                if (keep) {
                    readyCount.decrementAndGet();
                }
                session.dispose();
            }
        }
    }

    /** A rule changed a fact of the knowledge, which the kept sessions share: from now on, a new session each time. */
    private void keepNoMore() {
        if (kept) {
            kept = false;
            LOG.info("a rule changed a fact of the rules' own tables during an assessment: each assessment now takes a"
                    + " new session");
        }
        for (KieSession session; (session = ready.poll()) != null; ) {
            readyCount.decrementAndGet();
            session.dispose();
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

    /** The facts in every entry point of the session. */
    private static long factCount(KieSession session) {
        return session.getEntryPoints().stream().mapToLong(EntryPoint::getFactCount).sum();
    }

    static void fireStages(KieSession session) {
        for (int i = RuleSet.STAGES.size() - 1; i >= 0; i--) {
            session.getAgenda().getAgendaGroup(RuleSet.STAGES.get(i)).setFocus();
        }
        session.fireAllRules();
    }

    /**
     * Whether any rule fires, or inserts anything, in a session with nothing but the knowledge in it;
     * a rule that fails there counts as firing (its failure is then each assessment's, as before).
     */
    static boolean firesOnKnowledgeAlone(KieBase kieBase, List<Object> knowledge) {
        KieSession session = kieBase.newKieSession();
        try {
            SessionLog log = SessionLog.attach(session, true);
            knowledge.forEach(session::insert);
            fireStages(session);
            return !log.fired.isEmpty() || !log.inserted.isEmpty() || factCount(session) != knowledge.size();
        } catch (RuntimeException e) {
            return true;
        } finally {
            session.dispose();
        }
    }

    /** Whether a rule changed (modify, update) a fact of the knowledge during one assessment. */
    private final class KnowledgeWatch extends DefaultRuleRuntimeEventListener {

        private boolean changed;

        @Override
        public void objectUpdated(ObjectUpdatedEvent event) {
            changed |= knowledgeFacts.contains(event.getObject());
        }
    }
}
