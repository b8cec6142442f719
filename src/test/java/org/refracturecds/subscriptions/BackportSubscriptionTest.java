package org.refracturecds.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refracturecds.subscriptions.WriteBackFixture.await;
import static org.refracturecds.subscriptions.WriteBackFixture.metric;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MarkdownType;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.server.Server;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * The Subscriptions R5 Backport IG on the real HAPI JPA server (R4): a topic on the findings (a Basic
 * SubscriptionTopic), a topic-based Subscription with id-only or full-resource payload, and the server's
 * own notification Bundles write the RiskAssessment.
 */
class BackportSubscriptionTest {

    private static final String BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
    private static final String TOPIC = Codes.BASE + "/SubscriptionTopic/pvp-findings";

    @TempDir
    Path dir;
    private static boolean topicSaved;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"id-only", "full-resource"})
    void aTopicBasedSubscription_notifiesTheService_andTheRiskAssessmentAppears(String content) throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        IGenericClient client = jpa.client();
        if (!topicSaved) {
            client.update().resource(topic()).execute();
            topicSaved = true;
        }
        String prefix = "backport-" + content;
        try (Server service = WriteBackFixture.service(dir, jpa.base(), Map.of())) {
            Subscription subscription = subscribe(client, service, content);
            try {
                List<Resource> patient = WriteBackFixture.patient(prefix);
                for (Resource resource : patient) {
                    client.update().resource(resource).execute();
                }

                await("the RiskAssessment written back", Duration.ofSeconds(60),
                        () -> WriteBackFixture.riskAssessment(client, WriteBackFixture.patientId(prefix), "T11") != null);
                assertEquals(0, metric(service, "pvp_notifications_total{shape=\"notification\",status=\"400\"}"));
            } finally {
                client.delete().resource(subscription).execute();
            }
        }
        List<String> notifications = WriteBackFixture.auditRows(dir, "notification");
        assertTrue(notifications.contains("200 null backport-" + content), notifications::toString);
    }

    /** The R4 form of a SubscriptionTopic (a Basic), as HAPI reads it: Observations of the findings, created or updated. */
    private static Basic topic() {
        Basic topic = new Basic();
        topic.setId("pvp-findings");
        topic.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/fhir-types", "SubscriptionTopic", null)));
        topic.addExtension("http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url", new UriType(TOPIC));
        topic.addExtension("http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.title",
                new StringType("PVP findings saved"));
        topic.addModifierExtension(new Extension("http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.status",
                new StringType("active")));
        Extension trigger = topic.addExtension().setUrl("http://hl7.org/fhir/4.3/StructureDefinition/extension-SubscriptionTopic.resourceTrigger");
        trigger.addExtension("description", new MarkdownType("A finding the model reads, created or updated"));
        trigger.addExtension("resource", new UriType("Observation"));
        trigger.addExtension("supportedInteraction", new StringType("create"));
        trigger.addExtension("supportedInteraction", new StringType("update"));
        Extension query = trigger.addExtension().setUrl("queryCriteria");
        query.addExtension("current", new StringType("Observation?code=" + String.join(",", Codes.findingTokens())));
        query.addExtension("requireBoth", new BooleanType(false));
        Extension filter = topic.addExtension().setUrl("http://hl7.org/fhir/4.3/StructureDefinition/extension-SubscriptionTopic.canFilterBy");
        filter.addExtension("resource", new UriType("Observation"));
        filter.addExtension("filterParameter", new StringType("code"));
        topic.addExtension().setUrl("http://hl7.org/fhir/4.3/StructureDefinition/extension-SubscriptionTopic.notificationShape")
                .addExtension("resource", new UriType("Observation"));
        return topic;
    }

    /** A backport Subscription on the topic to the service, active and delivering. */
    private static Subscription subscribe(IGenericClient client, Server service, String content) throws Exception {
        Subscription subscription = new Subscription();
        subscription.getMeta().addProfile(BACKPORT + "backport-subscription");
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason("pvp-refracture-cds write-back (test, backport " + content + ")");
        subscription.setCriteria(TOPIC);
        subscription.getCriteriaElement().addExtension(BACKPORT + "backport-filter-criteria",
                new StringType("Observation?code=" + String.join(",", Codes.findingTokens())));
        subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
                .setEndpoint("http://127.0.0.1:" + service.port() + "/fhir-notify")
                .addHeader("Authorization: Bearer " + WriteBackFixture.TOKEN)
                .getPayloadElement().setValue("application/fhir+json")
                .addExtension(BACKPORT + "backport-payload-content", new CodeType(content));
        String id = client.create().resource(subscription).execute().getId().getIdPart();
        await("the Subscription active", Duration.ofSeconds(30), () -> client.read().resource(Subscription.class)
                .withId(id).execute().getStatus() == Subscription.SubscriptionStatus.ACTIVE);
        WriteBackFixture.awaitDelivering(client, service, id,
                "pvp_notifications_total{shape=\"backport-" + content + "\",status=\"200\"}");
        return client.read().resource(Subscription.class).withId(id).execute();
    }
}
