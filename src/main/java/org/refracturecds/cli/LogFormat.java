package org.refracturecds.cli;

import java.util.Locale;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.util.StatusPrinter2;

/**
 * Selects the log format of the setting {@code logFormat}: logback.xml includes the appender of
 * {@code logback/FORMAT.xml} for the format its property {@value #PROPERTY} names, text when unset.
 * The configuration is read again, found as at start (logback.xml; logback-test.xml in the tests),
 * with that property, before the service logs its first line.
 */
final class LogFormat {

    static final String PROPERTY = "logFormat";

    private LogFormat() {
    }

    /** Logs as {@code format} (text or json) from now on. */
    static void use(String format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another logging back-end on the class path: its own configuration decides
        }
        String wanted = format.toLowerCase(Locale.ROOT);
        if (wanted.equals(context.getProperty(PROPERTY) == null ? "text" : context.getProperty(PROPERTY))) {
            return;
        }
        context.reset();
        context.putProperty(PROPERTY, wanted);
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            new StatusPrinter2().printInCaseOfErrorsOrWarnings(context);
        }
    }
}
