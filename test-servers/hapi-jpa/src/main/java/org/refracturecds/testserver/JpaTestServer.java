package org.refracturecds.testserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.cache.ResourceChangeListenerRegistryInterceptor;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.dao.FulltextSearchSvcImpl;
import ca.uhn.fhir.jpa.dao.IFulltextSearchSvc;
import ca.uhn.fhir.jpa.dao.search.HSearchSortHelperImpl;
import ca.uhn.fhir.jpa.dao.search.IHSearchSortHelper;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.SubscriptionTriggeringProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.dialect.Dialect;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * A HAPI FHIR JPA server (R4, H2 in memory) wired as hapi-fhir-jpaserver-starter 8.8.0 wires it
 * (its {@code Application}, {@code StarterJpaConfig} and {@code FhirServerConfigCommon}), less what the
 * tests do not use (clinical reasoning, MDM, IPS, Elasticsearch, the web tester): rest-hook
 * subscriptions on, SubscriptionTopic support loaded, FHIR at {@code /fhir}.
 *
 * <p>Started by the service's tests as a separate JVM: {@code java -cp ... JpaTestServer PORTFILE}. It
 * listens on a free port and, once it serves requests, writes that port to PORTFILE.
 */
@SpringBootApplication(exclude = {ThymeleafAutoConfiguration.class, HibernateJpaAutoConfiguration.class})
@EnableTransactionManagement
@Import({
    JpaR4Config.class,
    ThreadPoolFactoryConfig.class,
    SubscriptionSubmitterConfig.class,
    SubscriptionProcessorConfig.class,
    SubscriptionChannelConfig.class,
    SubscriptionTopicConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class
})
public class JpaTestServer {

    public static void main(String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: JpaTestServer PORTFILE");
        }
        Path portFile = Path.of(args[0]);
        SpringApplication app = new SpringApplication(JpaTestServer.class);
        app.setDefaultProperties(Map.ofEntries(
                Map.entry("server.port", "0"),
                Map.entry("server.address", "127.0.0.1"),
                Map.entry("server.tomcat.relaxed-query-chars", "|"),
                Map.entry("spring.main.allow-circular-references", "true"),
                Map.entry("spring.main.banner-mode", "off"),
                Map.entry("spring.datasource.url", "jdbc:h2:mem:hapi_jpa;DB_CLOSE_DELAY=-1"),
                Map.entry("spring.datasource.username", "sa"),
                Map.entry("spring.datasource.driver-class-name", "org.h2.Driver"),
                // The starter's module list, less Elasticsearch and Flyway, which the tests do not use.
                Map.entry("spring.autoconfigure.exclude", String.join(",",
                        "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration",
                        "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration",
                        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration")),
                Map.entry("logging.level.root", "WARN"),
                Map.entry("logging.level.org.refracturecds", "INFO"),
                // Which subscriptions are active and where they deliver: what a failing write-back test needs.
                Map.entry("logging.level.ca.uhn.fhir.jpa.subscription.match.registry", "INFO")));
        app.addListeners((ApplicationListener<org.springframework.boot.context.event.ApplicationReadyEvent>) ready -> {
            int port = ready.getApplicationContext().getEnvironment().getProperty("local.server.port", Integer.class);
            writePort(portFile, port);
        });
        app.run();
    }

    private static void writePort(Path portFile, int port) {
        try {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(port));
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the port file " + portFile, e);
        }
    }

    @Bean
    public JpaStorageSettings jpaStorageSettings() {
        JpaStorageSettings settings = new JpaStorageSettings();
        settings.setAllowExternalReferences(true);
        // A search answered from the cache could hide a resource saved a moment ago.
        settings.setReuseCachedSearchResultsForMillis(null);
        return settings;
    }

    @Bean
    public SubscriptionSettings subscriptionSettings() {
        SubscriptionSettings settings = new SubscriptionSettings();
        settings.addSupportedSubscriptionType(org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType.RESTHOOK);
        settings.setSubscriptionChangeQueuedImmediately(true);
        return settings;
    }

    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    /**
     * Tells HAPI's resource caches (SubscriptionTopics, Subscriptions, SearchParameters) when a resource they
     * watch is saved here, so that they read it at their next local check (every 10 s) rather than at their
     * full refresh (every 60 s): a SubscriptionTopic saved by a test matches within seconds. The starter
     * declares this bean in its clinical-reasoning configuration, which this server leaves out.
     */
    @Bean
    public ResourceChangeListenerRegistryInterceptor resourceChangeListenerRegistryInterceptor() {
        return new ResourceChangeListenerRegistryInterceptor();
    }

    @Bean
    public IEmailSender emailSender() {
        return details -> { };
    }

    @Bean
    public DatabaseBinaryContentStorageSvcImpl databaseBinaryStorageSvc() {
        return new DatabaseBinaryContentStorageSvcImpl();
    }

    @Bean
    public IFulltextSearchSvc fullTextSearchSvc() {
        return new FulltextSearchSvcImpl();
    }

    @Bean
    public IStaleSearchDeletingSvc staleSearchDeletingSvc() {
        return new StaleSearchDeletingSvcImpl();
    }

    @Bean
    public DatabaseBackedPagingProvider databaseBackedPagingProvider() {
        DatabaseBackedPagingProvider paging = new DatabaseBackedPagingProvider();
        paging.setDefaultPageSize(20);
        paging.setMaximumPageSize(500);
        return paging;
    }

    @Bean
    public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
        return new DaoRegistryResourceSupportedSvc(daoRegistry);
    }

    @Bean(name = "myResourceCountsCache")
    public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
        return ResourceCountCacheUtil.newResourceCountCache(systemDao);
    }

    @Bean
    public IHSearchSortHelper hSearchSortHelper(ISearchParamRegistry searchParamRegistry) {
        return new HSearchSortHelperImpl(searchParamRegistry);
    }

    @Primary
    @Bean
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource,
            ConfigurableListableBeanFactory beanFactory, FhirContext fhirContext, JpaStorageSettings storageSettings) {
        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        factory.setPersistenceUnitName("HAPI_PU");
        factory.setDataSource(dataSource);
        factory.setJpaPropertyMap(Map.of(
                "hibernate.dialect", HapiFhirH2Dialect.class.getName(),
                "hibernate.hbm2ddl.auto", "update",
                "hibernate.archive.scanner", "org.hibernate.boot.archive.scan.internal.DisabledScanner",
                "hibernate.implicit_naming_strategy", "org.springframework.boot.orm.jpa.hibernate.SpringImplicitNamingStrategy",
                "hibernate.physical_naming_strategy", "org.hibernate.boot.model.naming.CamelCaseToUnderscoresNamingStrategy",
                "hibernate.jdbc.batch_size", "20",
                "hibernate.cache.use_query_cache", "false",
                "hibernate.cache.use_second_level_cache", "false",
                "hibernate.search.enabled", "false"));
        return factory;
    }

    @Bean
    @Primary
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        JpaTransactionManager manager = new JpaTransactionManager();
        manager.setEntityManagerFactory(entityManagerFactory);
        return manager;
    }

    @Primary
    @Bean
    public HibernatePropertiesProvider h2DialectProvider() {
        return new HibernatePropertiesProvider() {
            private final Dialect dialect = new HapiFhirH2Dialect();

            @Override
            public Dialect getDialect() {
                return dialect;
            }
        };
    }

    @Bean
    public RestfulServer restfulServer(IFhirSystemDao<?, ?> systemDao, ResourceProviderFactory resourceProviders,
            IJpaSystemProvider systemProvider, JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry, IValidationSupport validationSupport,
            DatabaseBackedPagingProvider paging, Optional<SubscriptionTriggeringProvider> triggering,
            ValueSetOperationProvider valueSets, BulkDataExportProvider bulkExport) {
        RestfulServer server = new RestfulServer(systemDao.getContext());
        server.registerProviders(resourceProviders.createProviders());
        server.registerProvider(systemProvider);
        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription("HAPI FHIR R4 Server (pvp-refracture-cds tests)");
        server.setServerConformanceProvider(capabilities);
        server.setPagingProvider(paging);
        server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
        triggering.ifPresent(server::registerProvider);
        server.registerProvider(valueSets);
        server.registerProvider(bulkExport);
        return server;
    }

    @Bean
    public ServletRegistrationBean<RestfulServer> hapiServletRegistration(RestfulServer restfulServer) {
        ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(restfulServer, "/fhir/*");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
