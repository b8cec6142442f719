package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.event.rule.DefaultRuleRuntimeEventListener;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.runtime.KieSession;

/**
 * What a session's rules did: the objects they inserted, in order, and (when asked) the rules
 * that fired and which rule inserted what.
 */
final class SessionLog {

    final List<Object> inserted = new ArrayList<>();
    /** The rule that inserted each object (a table's rule names its row); traced sessions only. */
    final Map<Object, String> insertedBy = new IdentityHashMap<>();
    final List<String> fired = new ArrayList<>();
    private DefaultRuleRuntimeEventListener inserts;
    private DefaultAgendaEventListener fires;

    /** @param trace also record every rule that fires and what it inserted (costs time on the request path) */
    static SessionLog attach(KieSession session, boolean trace) {
        SessionLog log = new SessionLog();
        log.inserts = new DefaultRuleRuntimeEventListener() {
            @Override
            public void objectInserted(ObjectInsertedEvent event) {
                if (event.getRule() != null) {
                    log.inserted.add(event.getObject());
                    if (trace) {
                        log.insertedBy.put(event.getObject(), event.getRule().getName());
                    }
                }
            }
        };
        session.addEventListener(log.inserts);
        if (trace) {
            log.fires = new DefaultAgendaEventListener() {
                @Override
                public void afterMatchFired(AfterMatchFiredEvent event) {
                    log.fired.add(event.getMatch().getRule().getName());
                }
            };
            session.addEventListener(log.fires);
        }
        return log;
    }

    /** Stops recording: the session goes on to another assessment. */
    void detach(KieSession session) {
        session.removeEventListener(inserts);
        if (fires != null) {
            session.removeEventListener(fires);
        }
    }

    <T> List<T> ofType(Class<T> type) {
        return RuleSet.ofType(inserted, type);
    }
}
