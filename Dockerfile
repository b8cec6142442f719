# The CDS Hooks service as a container image (docs/DEPLOY.md):
#
#   docker build -t pvp-refracture-cds:0.1.0 .
#   docker run -p 8080:8080 -v ./settings.yaml:/etc/pvp-refracture-cds/settings.yaml:ro pvp-refracture-cds:0.1.0
#
# The base images are pinned by tag. For a build that cannot change under you, pin them by digest:
# `docker buildx imagetools inspect eclipse-temurin:17-jre-noble` prints the digest, then
#   docker build --build-arg JRE_IMAGE=eclipse-temurin:17-jre-noble@sha256:DIGEST ...
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17-jre-noble

FROM ${BUILD_IMAGE} AS build
WORKDIR /build
COPY pom.xml .
COPY src src
COPY rules rules
COPY fhir-profiles fhir-profiles
# The Maven repository is kept between builds (BuildKit's cache), not in the image.
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

FROM ${JRE_IMAGE}
# A user of its own, by number, so that Kubernetes' runAsNonRoot can check it. Besides /tmp it may
# write only in the working directory, where the default embedded database (./data/pvp) would go,
# and in the cache folder, which the build fills below.
RUN groupadd --system --gid 10001 pvp \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/pvp-refracture-cds --no-create-home \
       --shell /usr/sbin/nologin pvp \
    && install -d -o 10001 -g 10001 /var/lib/pvp-refracture-cds /opt/pvp-refracture-cds/cache
# The shaded jar holds the service, its dependencies and the bundled rules (rules/ of this repository);
# bin/pvp-refracture-cds starts it with a class data sharing archive and the compiled-rules cache.
COPY --from=build /build/target/pvp-refracture-cds.jar /opt/pvp-refracture-cds/pvp-refracture-cds.jar
COPY bin/pvp-refracture-cds /opt/pvp-refracture-cds/bin/pvp-refracture-cds
WORKDIR /var/lib/pvp-refracture-cds
USER 10001:10001
# The heap follows the container's memory limit: 37.5% of 512 MiB is the 192 MB that README.md
# advises (about 400 MB resident). Replace the whole variable to change a flag.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=37.5 -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError"
# The jar the launcher runs, and where it keeps the archive and the compiled rules.
ENV PVP_JAR=/opt/pvp-refracture-cds/pvp-refracture-cds.jar XDG_CACHE_HOME=/opt/pvp-refracture-cds/cache
# One start at build time, stopped once ready, leaves in the cache the bundled rules compiled and the
# archive of the classes `serve` loads, so that every container starts from them (docs/PERFORMANCE.md,
# "JVM start to ready"); the database it made is removed. A container whose rules differ (published
# from the workbench) compiles those at start, as without the cache.
RUN /opt/pvp-refracture-cds/bin/pvp-refracture-cds serve --port 18080 & launcher=$!; \
    for i in $(seq 180); do curl -fsS -o /dev/null http://127.0.0.1:18080/health/ready && break; sleep 1; done; \
    kill -TERM "$launcher"; wait "$launcher"; \
    rm -rf data; ls /opt/pvp-refracture-cds/cache/pvp-refracture-cds/cds-serve-*.jsa
EXPOSE 8080
# curl is part of the eclipse-temurin Ubuntu images; nothing is installed for the check. It assumes
# the settings keep port 8080.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health/ready"]
# The base image's entrypoint adds the certificates mounted at /certificates to Java's trust store
# when USE_SYSTEM_CA_CERTS=1 (a hospital CA for the FHIR server or the JWKS URL), then runs the
# launcher, which runs java in its place.
ENTRYPOINT ["/__cacert_entrypoint.sh", "/opt/pvp-refracture-cds/bin/pvp-refracture-cds"]
CMD ["serve", "--config", "/etc/pvp-refracture-cds/settings.yaml"]
