package org.refracturecds.view;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.validation.InputValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.nimbusds.oauth2.sdk.id.State;
import io.micrometer.core.instrument.MeterRegistry;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

/**
 * The surgeon's page as a SMART on FHIR app (SMART App Launch 2.0, EHR launch), on
 * {@value #LAUNCH} and {@value #CALLBACK}:
 * <ol>
 * <li>the EHR opens {@code /smart/launch?iss=..&launch=..}; {@code iss} must be on the fetch
 * allowlist (setting {@code fhirServers}, or {@code fhirServer.url}), else nothing is contacted;</li>
 * <li>the app reads the server's SMART configuration and sends the browser to its authorization
 * endpoint with a new state and PKCE (S256) verifier, kept in an encrypted cookie ({@link LaunchCookie});</li>
 * <li>the callback's state must match that cookie; the code is exchanged for the user's access token
 * and the launch context's patient ({@link SmartAuthorization});</li>
 * <li>the patient's findings are read with that token and assessed ({@link LaunchFindings}), and the
 * same page as a card's link is shown ({@link PageData}, {@link PageRenderer}).</li>
 * </ol>
 * Every refusal is a page with a code, PVP-H711 to H719. Nothing about the patient is logged.
 */
public final class SmartLaunch implements AutoCloseable {

    static final String LAUNCH = "/smart/launch";
    static final String CALLBACK = "/smart/callback";
    /** What the page says it was made for, as a card's page says "PVP ordered". */
    static final String CONTEXT = "Launched from the EHR";
    private static final Logger LOG = LoggerFactory.getLogger(SmartLaunch.class);
    private static final String STATE = "[A-Za-z0-9_-]{16,128}";

    private final ViewEndpoints view;
    private final FhirFetcher fetcher;
    private final SmartAuthorization authorization;
    private final LaunchCookie cookies;
    private final LaunchFindings findings;
    private final Clock clock;

    /**
     * @param publicUrl the service's URL as a browser reaches it, once it listens
     * @param view      the page's face: its renderer, headers, and the key every node shares
     * @param allowlist the FHIR servers a launch's iss may be (the fetch allowlist)
     * @param registry  where the reads are timed ({@code pvp.fhir.fetches}, as a hook's)
     */
    public SmartLaunch(ServiceConfig config, Supplier<String> publicUrl, ViewEndpoints view, List<String> allowlist,
                       MeterRegistry registry, Supplier<Assessor> assessor, Clock clock) {
        this.view = view;
        // A FHIR client of its own: its connections may wait smart.fetchTimeoutMillis, longer than a hook's fetches.
        this.fetcher = new FhirFetcher(allowlist, config.smart().fetchTimeoutMillis(), registry);
        this.clock = clock;
        this.authorization = new SmartAuthorization(config.smart().clientId(), config.smart().scope(), publicUrl,
                config.smart().fetchTimeoutMillis());
        this.cookies = new LaunchCookie(view.derivedKey("smart-launch-cookie"), clock);
        this.findings = new LaunchFindings(fetcher, assessor, new InputValidation(InputValidation.mode(config.validation())),
                new PvpProcedures(config.extraPvpCodes()), config.smart().fetchTimeoutMillis(), clock);
    }

    @Override
    public void close() throws IOException {
        fetcher.close();
    }

    public void register(JavalinConfig javalin) {
        javalin.routes.get(LAUNCH, this::launch);
        javalin.routes.get(CALLBACK, this::callback);
    }

    private void launch(Context ctx) {
        String iss = ctx.queryParam("iss");
        String launch = ctx.queryParam("launch");
        try {
            if (iss == null || iss.isBlank() || launch == null || launch.isBlank()) {
                throw new SmartAuthorization.Refused(400, "PVP-H711", "the launch names no " + (iss == null
                        || iss.isBlank() ? "iss (the FHIR server)" : "launch (the EHR's context)"), "Open the app from"
                        + " the EHR: it adds iss and launch to the launch URL.");
            }
            String base = fetcher.allowed(iss);
            if (base == null) {
                throw new SmartAuthorization.Refused(403, "PVP-H712", "the FHIR server '" + HttpError.cut(iss, 200)
                        + "' is not on this service's allowlist (setting fhirServers), so it is not contacted",
                        "An administrator adds the EHR's FHIR base URL to fhirServers.");
            }
            SmartAuthorization.Server server = authorization.discover(base);
            State state = new State();
            CodeVerifier verifier = new CodeVerifier();
            ctx.header("Set-Cookie", cookies.keep(new LaunchCookie.Pending(state.getValue(), verifier.getValue(), base,
                    server.tokenEndpoint().toString(), clock.instant().plus(LaunchCookie.VALIDITY))));
            LOG.info("SMART launch from {}: sent to its authorization server", base);
            ctx.header("Cache-Control", "no-store").redirect(authorization.authorize(server, launch, state, verifier)
                    .toString());
        } catch (SmartAuthorization.Refused refused) {
            view.refuse(ctx, refused.status, refused.code, refused.getMessage(), refused.todo);
        }
    }

    private void callback(Context ctx) {
        String state = ctx.queryParam("state");
        try {
            LaunchCookie.Pending pending = state != null && state.matches(STATE)
                    ? cookies.open(state, ctx.cookie(LaunchCookie.name(state))) : null;
            if (pending == null) {
                throw new SmartAuthorization.Refused(400, "PVP-H714", "this answer of the EHR's authorization server"
                        + " does not match a launch begun in this browser in the last "
                        + LaunchCookie.VALIDITY.toMinutes() + " minutes (its state is unknown, altered or expired)",
                        "Launch the app from the EHR again.");
            }
            ctx.header("Set-Cookie", LaunchCookie.forget(state));
            String error = ctx.queryParam("error");
            String code = ctx.queryParam("code");
            if (error != null || code == null || code.isBlank()) {
                throw new SmartAuthorization.Refused(403, "PVP-H715", "the EHR's authorization server did not"
                        + " authorize the app (" + (error == null ? "no code" : HttpError.cut(error, 60)) + ")",
                        "Launch the app again; if it goes on, ask IT whether you may use it.");
            }
            SmartAuthorization.Granted granted = authorization.exchange(URI.create(pending.tokenEndpoint()), code,
                    new CodeVerifier(pending.verifier()));
            Assessment assessment = findings.assess(pending.iss(), granted.accessToken(), granted.patient());
            if (assessment == null) {
                view.refuse(ctx, 200, "PVP-H719", "the patient has no imaging findings of a vertebra on record that"
                        + " this app can use, so no refracture risk is estimated", "Findings coded per CodeSystem"
                        + " https://fhir.refracture-cds.org/CodeSystem/pvp-findings (docs/CODES.md) give one.");
                return;
            }
            LOG.info("SMART launch from {}: page shown", pending.iss());
            view.show(ctx, assessment, CONTEXT, List.of(), Instant.now(clock));
        } catch (SmartAuthorization.Refused refused) {
            LOG.info("SMART launch refused: {}", refused.code);
            view.refuse(ctx, refused.status, refused.code, refused.getMessage(), refused.todo);
        }
    }
}
