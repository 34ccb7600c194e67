package com.modularlabs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * deploy/: every YAML parses, every Kubernetes object deserialises into the fabric8 model of its kind
 * (no unknown fields) and passes kind-specific checks, kustomizations reference existing files, the
 * overlays render (when kustomize or kubectl is on the PATH) into valid object sets, and no secret is real.
 */
class DeployManifestsTest {

    static final String APP = "modular-labs";
    static final String APP_SECRET = "modular-labs-secrets";
    static final String APP_CONFIG = "modular-labs-config";
    static final long APP_UID = 185;

    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kinds deploy/kubernetes may contain: apiVersion and fabric8 model class. */
    record Kind(String apiVersion, Class<? extends HasMetadata> model) {
    }

    static final Map<String, Kind> KINDS = Map.of(
            "Deployment", new Kind("apps/v1", Deployment.class),
            "StatefulSet", new Kind("apps/v1", StatefulSet.class),
            "Service", new Kind("v1", Service.class),
            "ConfigMap", new Kind("v1", ConfigMap.class),
            "Secret", new Kind("v1", Secret.class),
            "HorizontalPodAutoscaler", new Kind("autoscaling/v2", HorizontalPodAutoscaler.class),
            "PodDisruptionBudget", new Kind("policy/v1", PodDisruptionBudget.class),
            "NetworkPolicy", new Kind("networking.k8s.io/v1", NetworkPolicy.class),
            "Ingress", new Kind("networking.k8s.io/v1", io.fabric8.kubernetes.api.model.networking.v1.Ingress.class),
            // No model class for Prometheus Operator CRDs in kubernetes-client-api: generic, fields checked by hand.
            "ServiceMonitor", new Kind("monitoring.coreos.com/v1", GenericKubernetesResource.class));

    /** One Kubernetes object and where it came from. */
    record Obj(String source, HasMetadata model) {
        String kind() {
            return model.getKind();
        }

        String name() {
            return model.getMetadata().getName();
        }

        @Override
        public String toString() {
            return source + ": " + kind() + "/" + name();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Parsing and models

    @Test
    void everyYamlFileUnderDeployParses() {
        List<Path> files = DeployFiles.yamlFiles(DeployFiles.DEPLOY);
        assertTrue(files.size() >= 20, "expected the deploy/ YAML files, found " + files);
        for (Path p : files) {
            List<Object> docs = DeployFiles.loadAll(DeployFiles.read(p));
            assertFalse(docs.isEmpty(), DeployFiles.rel(p) + " has no YAML document");
            for (Object doc : docs) {
                assertTrue(doc instanceof Map, DeployFiles.rel(p) + ": every document must be a mapping");
            }
        }
    }

    @Test
    void everyKubernetesObjectDeserialisesIntoTheModelOfItsKind() {
        List<String> errors = new ArrayList<>();
        Set<Path> patches = patchFiles();
        int count = 0;
        for (Path p : DeployFiles.yamlFiles(DeployFiles.KUBERNETES)) {
            if (isKustomization(p)) {
                continue;
            }
            for (Obj o : objects(p)) {
                count++;
                errors.addAll(modelErrors(o, patches.contains(p)));
            }
        }
        assertTrue(count >= 12, "expected the Kubernetes objects of base and overlays, found " + count);
        assertNoErrors(errors);
    }

    @Test
    void kustomizationsReferenceExistingFiles() {
        List<String> errors = new ArrayList<>();
        List<Path> kustomizations = DeployFiles.yamlFiles(DeployFiles.KUBERNETES).stream()
                .filter(DeployManifestsTest::isKustomization).collect(Collectors.toList());
        assertTrue(kustomizations.size() >= 3, "base, dev and prod kustomizations expected: " + kustomizations);
        for (Path k : kustomizations) {
            Map<String, Object> doc = DeployFiles.loadMap(k);
            if (!"Kustomization".equals(doc.get("kind"))) {
                errors.add(DeployFiles.rel(k) + ": kind must be Kustomization");
            }
            for (String ref : referencedPaths(doc)) {
                Path target = k.getParent().resolve(ref).normalize();
                if (Files.isDirectory(target)) {
                    if (!Files.exists(target.resolve("kustomization.yaml")) && !Files.exists(target.resolve("kustomization.yml"))) {
                        errors.add(DeployFiles.rel(k) + ": " + ref + " is a directory without kustomization.yaml");
                    }
                } else if (!Files.isRegularFile(target)) {
                    errors.add(DeployFiles.rel(k) + ": " + ref + " does not exist");
                }
            }
        }
        assertNoErrors(errors);
    }

    @Test
    void overlayPatchesTargetObjectsOfTheBase() {
        Map<String, Obj> base = index(baseObjects());
        List<String> errors = new ArrayList<>();
        for (Path overlay : DeployFiles.overlays()) {
            Path k = overlay.resolve("kustomization.yaml");
            Map<String, Object> doc = DeployFiles.loadMap(k);
            Map<String, Obj> available = new LinkedHashMap<>(base);
            for (String r : strings(doc.get("resources"))) {
                Path rp = overlay.resolve(r).normalize();
                if (Files.isRegularFile(rp)) {
                    objects(rp).forEach(o -> available.put(key(o), o));
                }
            }
            for (Map<String, Object> patch : maps(doc.get("patches"))) {
                Object path = patch.get("path");
                if (path == null) {
                    errors.add(DeployFiles.rel(k) + ": only file patches (path:) are used here");
                    continue;
                }
                for (Obj o : objects(overlay.resolve(path.toString()))) {
                    if (!available.containsKey(key(o))) {
                        errors.add(o + " patches an object that neither the base nor the overlay defines");
                    }
                }
            }
        }
        assertNoErrors(errors);
    }

    // ------------------------------------------------------------------------------------------------
    // Object checks

    @Test
    void baseObjectsAreValidAndConsistent() {
        List<Obj> base = baseObjects();
        Set<String> kinds = base.stream().map(Obj::kind).collect(Collectors.toSet());
        assertEquals(Set.of("Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler",
                "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "Ingress"), kinds, "kinds of the base");
        assertNoErrors(validateSet(base, true));

        ConfigMap cm = (ConfigMap) find(base, "ConfigMap", APP_CONFIG).orElseThrow().model();
        assertEquals(Map.of("LABS_DB_NAME", "labs_db", "LABS_EXPERIMENTS_DIR", "/work/experiments",
                "ENABLE_REGISTRATION", "false", "LABS_SLOW_QUERY_MS", "100", "QUARKUS_PROFILE", "prod"), cm.getData());
        Secret template = (Secret) find(base, "Secret", APP_SECRET).orElseThrow().model();
        assertEquals(Set.of("MONGO_URI", "LABS_TOKEN_SECRET", "ADMIN_PASSWORD"), template.getStringData().keySet());
        HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) find(base, "HorizontalPodAutoscaler", APP).orElseThrow().model();
        assertEquals(2, hpa.getSpec().getMinReplicas());
        assertEquals(6, hpa.getSpec().getMaxReplicas());
        assertEquals(1, ((PodDisruptionBudget) find(base, "PodDisruptionBudget", APP).orElseThrow().model())
                .getSpec().getMinAvailable().getIntVal());
    }

    @Test
    void baseDoesNotApplyTheSecretTemplate() {
        List<String> resources = strings(DeployFiles.loadMap(DeployFiles.BASE.resolve("kustomization.yaml")).get("resources"));
        for (String r : resources) {
            Path p = DeployFiles.BASE.resolve(r);
            if (Files.isRegularFile(p)) {
                assertTrue(objects(p).stream().noneMatch(o -> o.kind().equals("Secret")),
                        r + ": the base must not apply a Secret (it would overwrite the real one)");
            }
        }
    }

    @Test
    void overlaysDeclareReplicasImagesAndSecrets() {
        Map<String, Object> dev = DeployFiles.loadMap(DeployFiles.OVERLAYS.resolve("dev/kustomization.yaml"));
        assertEquals(1, replicasOf(dev), "dev replicas");
        Map<String, Object> devSecret = maps(dev.get("secretGenerator")).stream()
                .filter(g -> APP_SECRET.equals(g.get("name"))).findFirst().orElseThrow(() -> new AssertionError("dev secretGenerator"));
        String devUri = literals(devSecret).get("MONGO_URI");
        assertTrue(devUri != null && devUri.contains("replicaSet=rs0"), "dev MONGO_URI must name the replica set: " + devUri);
        List<Obj> mongo = objects(DeployFiles.OVERLAYS.resolve("dev/mongo.yaml"));
        StatefulSet sts = (StatefulSet) find(mongo, "StatefulSet", null).orElseThrow().model();
        assertTrue(devUri.contains(sts.getMetadata().getName() + "-0." + sts.getSpec().getServiceName() + ":27017"),
                "dev MONGO_URI must point at the StatefulSet's pod: " + devUri);

        Map<String, Object> prod = DeployFiles.loadMap(DeployFiles.OVERLAYS.resolve("prod/kustomization.yaml"));
        assertEquals(3, replicasOf(prod), "prod replicas");
        Map<String, Object> image = maps(prod.get("images")).stream().filter(i -> APP.equals(i.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("prod must pin the image"));
        Object tag = image.get("newTag");
        assertTrue(image.get("digest") != null || (tag != null && !tag.toString().isBlank() && !"latest".equals(tag.toString())),
                "prod image must be pinned (newTag other than latest, or digest): " + image);
        assertTrue(prod.get("secretGenerator") == null, "prod takes its Secret from the cluster, never from the repository");
    }

    /** The real thing: what `kubectl apply -k` would send. Skipped when neither kustomize nor kubectl is installed. */
    @ParameterizedTest
    @ValueSource(strings = { "dev", "prod" })
    void renderedOverlayIsValid(String overlay) {
        Optional<List<String>> tool = DeployFiles.kustomizeCommand();
        assumeTrue(tool.isPresent(), "kustomize/kubectl not on PATH: overlay rendering not checked");
        List<String> cmd = new ArrayList<>(tool.get());
        cmd.add(DeployFiles.OVERLAYS.resolve(overlay).toString());
        DeployFiles.Result r = DeployFiles.run(cmd);
        assertEquals(0, r.exitCode(), "kustomize build of " + overlay + " failed:\n" + r.output());

        List<Obj> objs = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Object doc : DeployFiles.loadAll(r.stdout())) {
            Obj o = toObj("overlays/" + overlay + " (rendered)", asMap(doc));
            objs.add(o);
            errors.addAll(modelErrors(o, false));
        }
        errors.addAll(validateSet(objs, false));
        for (Obj o : objs) {
            if (o.model() instanceof Secret s) {
                errors.addAll(secretErrors(o.toString(), s));
            }
        }
        assertNoErrors(errors);

        Deployment app = (Deployment) find(objs, "Deployment", APP).orElseThrow().model();
        Container c = app.getSpec().getTemplate().getSpec().getContainers().get(0);
        String secretRef = c.getEnvFrom().stream().filter(e -> e.getSecretRef() != null)
                .map(e -> e.getSecretRef().getName()).findFirst().orElseThrow();
        if (overlay.equals("dev")) {
            assertEquals(1, app.getSpec().getReplicas(), "dev replicas");
            assertTrue(find(objs, "HorizontalPodAutoscaler", null).isEmpty(), "dev has no HPA");
            assertTrue(find(objs, "PodDisruptionBudget", null).isEmpty(), "dev has no PDB");
            StatefulSet sts = (StatefulSet) find(objs, "StatefulSet", null).orElseThrow().model();
            assertEquals("mongo:8.0", sts.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
            Secret secret = (Secret) find(objs, "Secret", secretRef).orElseThrow(
                    () -> new AssertionError("dev must render the Secret the Deployment uses: " + secretRef)).model();
            String uri = decode(secret.getData().get("MONGO_URI"));
            assertTrue(uri.contains(sts.getMetadata().getName() + "-0." + sts.getSpec().getServiceName()) && uri.contains("replicaSet=rs0"), uri);
            assertTrue(c.getImage().endsWith(":dev"), c.getImage());
        } else {
            assertEquals(3, app.getSpec().getReplicas(), "prod replicas");
            HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) find(objs, "HorizontalPodAutoscaler", APP).orElseThrow().model();
            assertTrue(hpa.getSpec().getMinReplicas() >= 3, "prod HPA must not scale below 3");
            assertTrue(find(objs, "Secret", null).isEmpty(), "prod must not render a Secret");
            assertEquals(APP_SECRET, secretRef, "prod reads the Secret created with kubectl create secret");
            assertTrue(c.getImage().matches(".+/.+:[\\w.-]+") && !c.getImage().endsWith(":latest"), "prod image must be pinned: " + c.getImage());
            ConfigMap cm = (ConfigMap) find(objs, "ConfigMap", APP_CONFIG).orElseThrow().model();
            assertEquals("prod", cm.getData().get("QUARKUS_PROFILE"));
            assertEquals("false", cm.getData().get("ENABLE_REGISTRATION"));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Secrets and images

    @Test
    void secretsHoldOnlyPlaceholders() {
        List<String> errors = new ArrayList<>();
        int checked = 0;
        for (Path p : DeployFiles.yamlFiles(DeployFiles.DEPLOY)) {
            if (isKustomization(p)) {
                Map<String, Object> doc = DeployFiles.loadMap(p);
                for (Map<String, Object> gen : maps(doc.get("secretGenerator"))) {
                    for (Map.Entry<String, String> e : literals(gen).entrySet()) {
                        checked++;
                        if (!isPlaceholder(e.getValue())) {
                            errors.add(DeployFiles.rel(p) + ": secretGenerator " + gen.get("name") + " " + e.getKey() + " looks real");
                        }
                    }
                    for (String f : concat(strings(gen.get("envs")), strings(gen.get("files")))) {
                        errors.add(DeployFiles.rel(p) + ": secretGenerator reads " + f + ": keep dev values as literals in the kustomization");
                    }
                }
                continue;
            }
            for (Object doc : DeployFiles.loadAll(DeployFiles.read(p))) {
                Map<String, Object> m = asMap(doc);
                if ("Secret".equals(m.get("kind"))) {
                    Secret s = (Secret) toObj(DeployFiles.rel(p), m).model();
                    checked++;
                    errors.addAll(secretErrors(DeployFiles.rel(p), s));
                }
            }
        }
        assertTrue(checked >= 4, "expected the Secret template and the dev generator");
        assertNoErrors(errors);
    }

    @Test
    void noCredentialsOrKeysInDeployAndDockerFiles() throws IOException {
        Pattern uriWithPassword = Pattern.compile("mongodb(?:\\+srv)?://[^:/@\\s]+:([^@\\s]+)@");
        Pattern privateKey = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----");
        Pattern awsKey = Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b");
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(DeployFiles.DEPLOY, DeployFiles.ROOT.resolve("src/main/docker"))) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        files.add(DeployFiles.ROOT.resolve(".dockerignore"));
        List<String> errors = new ArrayList<>();
        for (Path p : files) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            Matcher m = uriWithPassword.matcher(text);
            while (m.find()) {
                String pw = m.group(1);
                if (!pw.contains("REPLACE_ME") && !pw.matches("<[^>]*>")) {
                    errors.add(DeployFiles.rel(p) + ": MongoDB URI with a password: " + m.group());
                }
            }
            if (privateKey.matcher(text).find() || awsKey.matcher(text).find()) {
                errors.add(DeployFiles.rel(p) + ": contains key material");
            }
        }
        assertNoErrors(errors);
    }

    @Test
    void imagesRunAsTheDeploymentsNonRootUserWithoutBakedSecrets() {
        Path docker = DeployFiles.ROOT.resolve("src/main/docker");
        String jvm = DeployFiles.read(docker.resolve("Dockerfile.jvm"));
        String nat = DeployFiles.read(docker.resolve("Dockerfile.native"));
        String micro = DeployFiles.read(docker.resolve("Dockerfile.native-micro"));
        assertEquals(List.of("quay.io/quarkus/ubi9-quarkus-micro-image:2.0"), instructions(micro, "FROM"));
        List<String> jvmFrom = instructions(jvm, "FROM");
        List<String> natFrom = instructions(nat, "FROM");
        assertEquals(1, jvmFrom.size(), "single-stage JVM image");
        assertTrue(jvmFrom.get(0).matches("eclipse-temurin:25(\\.[\\d.+_]+)?-jre"), "JDK 25 runtime (the project's JDK): " + jvmFrom.get(0));
        assertTrue(jvm.contains("aot-cache.sh") && jvm.contains("-XX:AOTCache="), "the image makes and uses the AOT cache");
        assertTrue(jvm.contains("target/quarkus-app/lib/") && jvm.contains("target/quarkus-app/app/")
                && jvm.contains("target/quarkus-app/quarkus/") && jvm.contains("target/quarkus-app/*.jar"), "fast-jar layout");
        assertTrue(jvm.contains("-XX:MaxRAMPercentage="), "container-sized heap");
        assertEquals(2, natFrom.size(), "multi-stage native image");
        assertTrue(natFrom.get(0).startsWith("quay.io/quarkus/ubi9-quarkus-mandrel-builder-image:jdk-21 AS "), natFrom.get(0));
        assertEquals("quay.io/quarkus/ubi9-quarkus-micro-image:2.0", natFrom.get(1));
        assertTrue(nat.contains("-Dnative"), "native build in the builder stage");

        Deployment app = (Deployment) find(baseObjects(), "Deployment", APP).orElseThrow().model();
        String uid = String.valueOf(app.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser());
        Pattern secretish = Pattern.compile("(?i)(password|secret|token|mongo_uri|access_key|credential)");
        for (String df : List.of(jvm, nat, micro)) {
            List<String> users = instructions(df, "USER");
            assertEquals(uid, users.get(users.size() - 1), "the image's final USER must be the Deployment's runAsUser");
            for (String kv : concat(instructions(df, "ENV"), instructions(df, "ARG"))) {
                Matcher names = Pattern.compile("(?:^|\\s)([A-Za-z_]\\w*)(?==|\\s|$)").matcher(kv);
                while (names.find()) {
                    assertFalse(secretish.matcher(names.group(1)).find(), "no secret in ENV/ARG: " + kv);
                }
            }
        }
        List<String> ignore = DeployFiles.read(DeployFiles.ROOT.resolve(".dockerignore")).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
        assertEquals("*", ignore.get(0), ".dockerignore is an allow-list");
        assertTrue(ignore.stream().noneMatch(l -> l.startsWith("!") && (l.contains(".git") || l.contains(".env") || l.contains("data"))),
                ".dockerignore must not re-include .git, env files or local data: " + ignore);
    }

    // ------------------------------------------------------------------------------------------------
    // Validation of one object set (the base, or a rendered overlay)

    /**
     * Realtime streams (SSE) are long-lived: the ingress must not buffer them and must keep idle ones open past the
     * engine's heartbeat; every backend must be a Service port of the set.
     */
    static List<String> ingressErrors(String where, io.fabric8.kubernetes.api.model.networking.v1.Ingress ing, List<Obj> objs) {
        List<String> e = new ArrayList<>();
        Map<String, String> ann = Objects.requireNonNullElse(ing.getMetadata().getAnnotations(), Map.of());
        if (!"off".equals(ann.get("nginx.ingress.kubernetes.io/proxy-buffering"))) {
            e.add(where + ": nginx.ingress.kubernetes.io/proxy-buffering must be \"off\" (realtime event streams)");
        }
        String read = ann.getOrDefault("nginx.ingress.kubernetes.io/proxy-read-timeout", "60");
        if (!read.matches("\\d+") || Integer.parseInt(read) < 60) {
            e.add(where + ": nginx.ingress.kubernetes.io/proxy-read-timeout must be at least 60 s (heartbeats every 20 s)");
        }
        for (var rule : Objects.requireNonNullElse(ing.getSpec().getRules(), List.<io.fabric8.kubernetes.api.model.networking.v1.IngressRule>of())) {
            for (var path : rule.getHttp().getPaths()) {
                var svc = path.getBackend().getService();
                Optional<Obj> target = svc == null ? Optional.empty() : find(objs, "Service", svc.getName());
                boolean port = target.isPresent() && ((Service) target.get().model()).getSpec().getPorts().stream()
                        .anyMatch(p -> p.getName() != null && p.getName().equals(svc.getPort().getName())
                                || svc.getPort().getNumber() != null && svc.getPort().getNumber().equals(p.getPort()));
                if (!port) {
                    e.add(where + ": backend " + (svc == null ? "(none)" : svc.getName() + ":" + svc.getPort()) + " is not a Service port of the set");
                }
            }
        }
        return e;
    }

    static List<String> validateSet(List<Obj> objs, boolean isBase) {
        List<String> errors = new ArrayList<>();
        Map<String, Long> dup = objs.stream().collect(Collectors.groupingBy(DeployManifestsTest::key, Collectors.counting()));
        dup.forEach((k, n) -> {
            if (n > 1) {
                errors.add("duplicate object " + k);
            }
        });
        List<Obj> workloads = objs.stream().filter(o -> o.model() instanceof Deployment || o.model() instanceof StatefulSet)
                .collect(Collectors.toList());

        Optional<Obj> appObj = find(objs, "Deployment", APP);
        if (appObj.isEmpty()) {
            errors.add("no Deployment " + APP);
            return errors;
        }
        Deployment app = (Deployment) appObj.get().model();
        errors.addAll(appDeploymentErrors(appObj.get().toString(), app));

        for (Obj w : workloads) {
            errors.addAll(workloadErrors(w));
            for (Container c : template(w).getSpec().getContainers()) {
                for (EnvFromSource ef : Objects.requireNonNullElse(c.getEnvFrom(), List.<EnvFromSource>of())) {
                    if (ef.getConfigMapRef() != null && find(objs, "ConfigMap", ef.getConfigMapRef().getName()).isEmpty()) {
                        errors.add(w + ": envFrom ConfigMap " + ef.getConfigMapRef().getName() + " is not defined");
                    }
                    if (ef.getSecretRef() != null && find(objs, "Secret", ef.getSecretRef().getName()).isEmpty()
                            && !ef.getSecretRef().getName().equals(APP_SECRET)) {
                        // Only the documented, out-of-band Secret (base/secret.template.yaml) may be absent.
                        errors.add(w + ": envFrom Secret " + ef.getSecretRef().getName() + " is neither defined nor documented");
                    }
                }
            }
        }

        for (Obj o : objs) {
            String where = o.toString();
            if (o.model() instanceof io.fabric8.kubernetes.api.model.networking.v1.Ingress ing) {
                errors.addAll(ingressErrors(where, ing, objs));
                continue;
            }
            if (o.model() instanceof Service svc) {
                Map<String, String> sel = svc.getSpec().getSelector();
                List<Obj> selected = workloads.stream().filter(w -> matches(sel, template(w).getMetadata().getLabels())).collect(Collectors.toList());
                if (sel == null || sel.isEmpty() || selected.isEmpty()) {
                    errors.add(where + ": selector " + sel + " selects no workload");
                    continue;
                }
                for (ServicePort sp : svc.getSpec().getPorts()) {
                    for (Obj w : selected) {
                        if (!hasPort(template(w).getSpec(), sp.getTargetPort())) {
                            errors.add(where + ": targetPort " + sp.getTargetPort() + " is not a port of " + w);
                        }
                    }
                }
                if (selected.stream().anyMatch(w -> w.model() instanceof StatefulSet)) {
                    boolean headless = "None".equals(svc.getSpec().getClusterIP());
                    boolean governs = selected.stream().anyMatch(w -> w.model() instanceof StatefulSet s
                            && svc.getMetadata().getName().equals(s.getSpec().getServiceName()));
                    if (governs && !headless) {
                        errors.add(where + ": a StatefulSet's governing Service must be headless");
                    }
                }
            } else if (o.model() instanceof StatefulSet sts) {
                String svcName = sts.getSpec().getServiceName();
                if (find(objs, "Service", svcName).isEmpty()) {
                    errors.add(where + ": serviceName " + svcName + " is not defined");
                }
                Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
                if (c.getImage().startsWith("mongo:")) {
                    List<String> args = Objects.requireNonNullElse(c.getArgs(), List.of());
                    if (!args.contains("--replSet") || !args.contains("--bind_ip_all")) {
                        errors.add(where + ": mongod needs --replSet and --bind_ip_all: " + args);
                    }
                    if (c.getLifecycle() == null || c.getLifecycle().getPostStart() == null
                            || !String.join(" ", c.getLifecycle().getPostStart().getExec().getCommand()).contains("rs.initiate")) {
                        errors.add(where + ": needs a postStart hook that initiates the replica set");
                    }
                }
            } else if (o.model() instanceof HorizontalPodAutoscaler hpa) {
                var ref = hpa.getSpec().getScaleTargetRef();
                if (!"Deployment".equals(ref.getKind()) || !"apps/v1".equals(ref.getApiVersion()) || find(objs, "Deployment", ref.getName()).isEmpty()) {
                    errors.add(where + ": scaleTargetRef " + ref.getKind() + "/" + ref.getName() + " is not a Deployment of the set");
                }
                Integer min = hpa.getSpec().getMinReplicas();
                if (min == null || min < 1 || min > hpa.getSpec().getMaxReplicas()) {
                    errors.add(where + ": minReplicas " + min + " / maxReplicas " + hpa.getSpec().getMaxReplicas());
                }
                boolean cpu70 = Objects.requireNonNullElse(hpa.getSpec().getMetrics(), List.<MetricSpec>of()).stream()
                        .anyMatch(m -> "Resource".equals(m.getType()) && "cpu".equals(m.getResource().getName())
                                && "Utilization".equals(m.getResource().getTarget().getType())
                                && Integer.valueOf(70).equals(m.getResource().getTarget().getAverageUtilization()));
                if (!cpu70) {
                    errors.add(where + ": needs a cpu Utilization 70% metric");
                }
            } else if (o.model() instanceof PodDisruptionBudget pdb) {
                if (!selectorMatches(pdb.getSpec().getSelector(), app)) {
                    errors.add(where + ": selector does not select " + APP);
                }
                if (pdb.getSpec().getMinAvailable() == null && pdb.getSpec().getMaxUnavailable() == null) {
                    errors.add(where + ": needs minAvailable or maxUnavailable");
                }
            } else if (o.model() instanceof NetworkPolicy np) {
                errors.addAll(networkPolicyErrors(where, np, app));
            } else if (o.model() instanceof GenericKubernetesResource g && "ServiceMonitor".equals(g.getKind())) {
                errors.addAll(serviceMonitorErrors(where, g, objs));
            }
        }
        if (isBase && find(objs, "Service", APP).isEmpty()) {
            errors.add("no Service " + APP);
        }
        return errors;
    }

    static List<String> appDeploymentErrors(String where, Deployment d) {
        List<String> e = new ArrayList<>();
        PodTemplateSpec t = d.getSpec().getTemplate();
        PodSpec pod = t.getSpec();
        Map<String, String> ann = Objects.requireNonNullElse(t.getMetadata().getAnnotations(), Map.of());
        if (!"true".equals(ann.get("prometheus.io/scrape")) || !"/q/metrics".equals(ann.get("prometheus.io/path"))
                || !"9000".equals(ann.get("prometheus.io/port"))) {
            e.add(where + ": pod needs prometheus.io/scrape=true, port=9000 (management), path=/q/metrics annotations: " + ann);
        }
        PodSecurityContext psc = pod.getSecurityContext();
        if (psc == null || !Boolean.TRUE.equals(psc.getRunAsNonRoot()) || !Long.valueOf(APP_UID).equals(psc.getRunAsUser())) {
            e.add(where + ": pod securityContext needs runAsNonRoot and runAsUser " + APP_UID);
        }
        if (pod.getContainers().size() != 1) {
            e.add(where + ": one container expected");
            return e;
        }
        Container c = pod.getContainers().get(0);
        if (c.getPorts() == null || c.getPorts().stream().noneMatch(p -> p.getContainerPort() == 8080 && "http".equals(p.getName()))) {
            e.add(where + ": container port 8080 named http expected");
        }
        if (c.getPorts() == null || c.getPorts().stream().noneMatch(p -> p.getContainerPort() == 9000 && "management".equals(p.getName()))) {
            e.add(where + ": container port 9000 named management expected (metrics, health, OpenAPI)");
        }
        e.addAll(probeErrors(where + " startupProbe", c.getStartupProbe(), "/q/health/started", pod));
        e.addAll(probeErrors(where + " readinessProbe", c.getReadinessProbe(), "/q/health/ready", pod));
        e.addAll(probeErrors(where + " livenessProbe", c.getLivenessProbe(), "/q/health/live", pod));

        SecurityContext sc = c.getSecurityContext();
        if (sc == null || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()) || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())
                || !Boolean.TRUE.equals(sc.getRunAsNonRoot()) || sc.getCapabilities() == null
                || !Objects.requireNonNullElse(sc.getCapabilities().getDrop(), List.of()).contains("ALL")) {
            e.add(where + ": container securityContext needs readOnlyRootFilesystem, allowPrivilegeEscalation=false, runAsNonRoot, drop ALL");
        }
        var res = c.getResources();
        Quantity reqMem = res == null || res.getRequests() == null ? null : res.getRequests().get("memory");
        Quantity reqCpu = res == null || res.getRequests() == null ? null : res.getRequests().get("cpu");
        Quantity limMem = res == null || res.getLimits() == null ? null : res.getLimits().get("memory");
        if (reqMem == null || reqCpu == null || limMem == null) {
            e.add(where + ": needs cpu and memory requests and a memory limit");
        } else {
            if (Quantity.getAmountInBytes(reqMem).compareTo(Quantity.getAmountInBytes(limMem)) > 0) {
                e.add(where + ": memory request above the limit");
            }
            if (Quantity.getAmountInBytes(limMem).compareTo(new BigDecimal(256L * 1024 * 1024)) < 0) {
                e.add(where + ": a memory limit under 256Mi cannot hold the JVM");
            }
        }
        Map<String, String> mounts = new LinkedHashMap<>();
        for (VolumeMount vm : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
            mounts.put(vm.getMountPath(), vm.getName());
        }
        for (String path : List.of("/tmp", "/work/cache")) {
            String vol = mounts.get(path);
            Optional<Volume> v = Objects.requireNonNullElse(pod.getVolumes(), List.<Volume>of()).stream()
                    .filter(x -> x.getName().equals(vol)).findFirst();
            if (v.isEmpty() || v.get().getEmptyDir() == null) {
                e.add(where + ": " + path + " must be a writable emptyDir mount (read-only root filesystem)");
            }
        }
        String dataDir = Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream()
                .filter(v -> v.getName().equals("LABS_DATA_DIR")).map(EnvVar::getValue).findFirst().orElse(null);
        if (!"/work/cache".equals(dataDir)) {
            e.add(where + ": env LABS_DATA_DIR must be /work/cache (the cache volume), is " + dataDir);
        }
        List<EnvFromSource> envFrom = Objects.requireNonNullElse(c.getEnvFrom(), List.of());
        if (envFrom.stream().noneMatch(x -> x.getConfigMapRef() != null) || envFrom.stream().noneMatch(x -> x.getSecretRef() != null)) {
            e.add(where + ": envFrom needs the ConfigMap and the Secret");
        }
        LifecycleHandler preStop = c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
        long preStopSeconds = -1;
        if (preStop != null && preStop.getSleep() != null) {
            preStopSeconds = preStop.getSleep().getSeconds();
        } else if (preStop != null && preStop.getExec() != null && preStop.getExec().getCommand().size() == 2
                && preStop.getExec().getCommand().get(0).equals("sleep")) {
            preStopSeconds = Long.parseLong(preStop.getExec().getCommand().get(1));
        }
        if (preStopSeconds < 1) {
            e.add(where + ": needs a preStop sleep");
        }
        Long grace = pod.getTerminationGracePeriodSeconds();
        if (grace == null || grace < preStopSeconds + 10) {
            e.add(where + ": terminationGracePeriodSeconds must leave time after the preStop sleep: " + grace);
        }
        return e;
    }

    static List<String> probeErrors(String where, Probe p, String path, PodSpec pod) {
        if (p == null || p.getHttpGet() == null) {
            return List.of(where + ": missing httpGet probe on " + path);
        }
        List<String> e = new ArrayList<>();
        if (!path.equals(p.getHttpGet().getPath())) {
            e.add(where + ": path " + p.getHttpGet().getPath() + ", expected " + path);
        }
        if (!hasPort(pod, p.getHttpGet().getPort())) {
            e.add(where + ": port " + p.getHttpGet().getPort() + " is not a container port");
        }
        IntOrString port = p.getHttpGet().getPort();
        if (port == null || !("management".equals(port.getStrVal()) || Integer.valueOf(9000).equals(port.getIntVal()))) {
            e.add(where + ": health is served on the management port only, not " + port);
        }
        return e;
    }

    static List<String> workloadErrors(Obj w) {
        List<String> e = new ArrayList<>();
        PodTemplateSpec t = template(w);
        LabelSelector sel = w.model() instanceof Deployment d ? d.getSpec().getSelector() : ((StatefulSet) w.model()).getSpec().getSelector();
        if (sel == null || sel.getMatchLabels() == null || sel.getMatchLabels().isEmpty()
                || !matches(sel.getMatchLabels(), t.getMetadata().getLabels())) {
            e.add(w + ": spec.selector must match the pod template labels");
        }
        Set<String> volumes = new HashSet<>();
        Objects.requireNonNullElse(t.getSpec().getVolumes(), List.<Volume>of()).forEach(v -> volumes.add(v.getName()));
        if (w.model() instanceof StatefulSet s && s.getSpec().getVolumeClaimTemplates() != null) {
            s.getSpec().getVolumeClaimTemplates().forEach(v -> volumes.add(v.getMetadata().getName()));
        }
        for (Container c : t.getSpec().getContainers()) {
            if (c.getImage() == null || c.getImage().isBlank()) {
                e.add(w + ": container " + c.getName() + " has no image");
            }
            if (c.getResources() == null || c.getResources().getRequests() == null || c.getResources().getLimits() == null
                    || !c.getResources().getLimits().containsKey("memory")) {
                e.add(w + ": container " + c.getName() + " needs requests and a memory limit");
            }
            for (VolumeMount vm : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
                if (!volumes.contains(vm.getName())) {
                    e.add(w + ": mount of undefined volume " + vm.getName());
                }
            }
        }
        return e;
    }

    static List<String> networkPolicyErrors(String where, NetworkPolicy np, Deployment app) {
        List<String> e = new ArrayList<>();
        if (!selectorMatches(np.getSpec().getPodSelector(), app)) {
            e.add(where + ": podSelector does not select " + APP);
        }
        List<String> types = Objects.requireNonNullElse(np.getSpec().getPolicyTypes(), List.of());
        if (!types.containsAll(List.of("Ingress", "Egress"))) {
            e.add(where + ": policyTypes must be Ingress and Egress");
        }
        List<NetworkPolicyIngressRule> ingress = Objects.requireNonNullElse(np.getSpec().getIngress(), List.of());
        List<NetworkPolicyIngressRule> appRules = ingress.stream()
                .filter(r -> r.getPorts() != null && r.getPorts().stream().allMatch(p -> p.getPort().getIntVal() == 8080)).collect(Collectors.toList());
        List<NetworkPolicyIngressRule> management = ingress.stream()
                .filter(r -> r.getPorts() != null && r.getPorts().stream().allMatch(p -> p.getPort().getIntVal() == 9000)).collect(Collectors.toList());
        boolean port8080 = appRules.size() + management.size() == ingress.size() && !appRules.isEmpty();
        // the management port (metrics name every collection) is for Prometheus only, never for the namespace
        boolean managementOnlyMonitoring = !management.isEmpty() && management.stream().flatMap(r -> r.getFrom().stream())
                .allMatch(f -> f.getPodSelector() == null && f.getNamespaceSelector() != null && f.getNamespaceSelector().getMatchLabels() != null
                        && "monitoring".equals(f.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")));
        if (!managementOnlyMonitoring) {
            e.add(where + ": port 9000 (management) must be admitted from the monitoring namespace only");
        }
        ingress = appRules;
        boolean sameNamespace = ingress.stream().flatMap(r -> r.getFrom().stream())
                .anyMatch(f -> f.getPodSelector() != null && f.getNamespaceSelector() == null
                        && (f.getPodSelector().getMatchLabels() == null || f.getPodSelector().getMatchLabels().isEmpty()));
        boolean monitoring = ingress.stream().flatMap(r -> r.getFrom().stream()).map(NetworkPolicyPeer::getNamespaceSelector)
                .anyMatch(ns -> ns != null && ns.getMatchLabels() != null
                        && "monitoring".equals(ns.getMatchLabels().get("kubernetes.io/metadata.name")));
        if (ingress.isEmpty() || !port8080 || !sameNamespace || !monitoring) {
            e.add(where + ": ingress must allow port 8080 from the namespace and from the monitoring namespace, and nothing but 8080 and 9000");
        }
        List<NetworkPolicyEgressRule> egress = Objects.requireNonNullElse(np.getSpec().getEgress(), List.of());
        List<NetworkPolicyPort> egressPorts = egress.stream().flatMap(r -> Objects.requireNonNullElse(r.getPorts(), List.<NetworkPolicyPort>of()).stream())
                .collect(Collectors.toList());
        boolean mongo = egressPorts.stream().anyMatch(p -> p.getPort().getIntVal() == 27017 && "TCP".equals(p.getProtocol()));
        boolean dnsUdp = egressPorts.stream().anyMatch(p -> p.getPort().getIntVal() == 53 && "UDP".equals(p.getProtocol()));
        boolean dnsTcp = egressPorts.stream().anyMatch(p -> p.getPort().getIntVal() == 53 && "TCP".equals(p.getProtocol()));
        if (!mongo || !dnsUdp || !dnsTcp) {
            e.add(where + ": egress must allow MongoDB (27017/TCP) and DNS (53/UDP and TCP)");
        }
        if (egress.stream().anyMatch(r -> r.getPorts() == null || r.getPorts().isEmpty())) {
            e.add(where + ": an egress rule without ports opens everything");
        }
        return e;
    }

    @SuppressWarnings("unchecked")
    static List<String> serviceMonitorErrors(String where, GenericKubernetesResource sm, List<Obj> objs) {
        List<String> e = new ArrayList<>();
        Map<String, Object> spec = (Map<String, Object>) sm.getAdditionalProperties().get("spec");
        if (spec == null) {
            return List.of(where + ": no spec");
        }
        Set<String> known = Set.of("selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels", "podTargetLabels",
                "sampleLimit", "targetLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit", "attachMetadata");
        spec.keySet().stream().filter(k -> !known.contains(k)).forEach(k -> e.add(where + ": unknown spec field " + k));
        Map<String, Object> selector = (Map<String, Object>) spec.get("selector");
        Map<String, String> matchLabels = selector == null ? null : (Map<String, String>) selector.get("matchLabels");
        List<Service> services = objs.stream().filter(o -> o.model() instanceof Service)
                .map(o -> (Service) o.model()).filter(s -> matches(matchLabels, s.getMetadata().getLabels()))
                .collect(Collectors.toList());
        if (matchLabels == null || matchLabels.isEmpty() || services.isEmpty()) {
            e.add(where + ": spec.selector.matchLabels selects no Service");
        }
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("endpoints");
        if (endpoints == null || endpoints.isEmpty()) {
            e.add(where + ": no endpoints");
            return e;
        }
        for (Map<String, Object> ep : endpoints) {
            Object port = ep.get("port");
            if (!"/q/metrics".equals(ep.get("path"))) {
                e.add(where + ": endpoint path must be /q/metrics");
            }
            if (!"management".equals(port)) {
                e.add(where + ": endpoint port must be the Service's management port, not " + port);
            }
            for (Service s : services) {
                if (s.getSpec().getPorts().stream().noneMatch(p -> Objects.equals(p.getName(), port))) {
                    e.add(where + ": endpoint port " + port + " is not a named port of Service " + s.getMetadata().getName());
                }
            }
        }
        return e;
    }

    // ------------------------------------------------------------------------------------------------
    // Model helpers

    static Obj toObj(String source, Map<String, Object> raw) {
        try {
            Object model = K8S.unmarshal(JSON.writeValueAsString(raw));
            if (!(model instanceof HasMetadata h)) {
                throw new AssertionError(source + ": not a Kubernetes object: " + raw.get("kind"));
            }
            return new Obj(source, h);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Obj> objects(Path p) {
        return DeployFiles.loadAll(DeployFiles.read(p)).stream().map(d -> toObj(DeployFiles.rel(p), asMap(d)))
                .collect(Collectors.toList());
    }

    /** Kind, apiVersion and model class as expected; a name; no field the model does not know (a typo, a wrong indentation). */
    static List<String> modelErrors(Obj o, boolean patch) {
        List<String> e = new ArrayList<>();
        Kind expected = KINDS.get(o.kind());
        if (expected == null) {
            return List.of(o + ": unexpected kind (add it and its checks to DeployManifestsTest.KINDS)");
        }
        if (!expected.apiVersion().equals(o.model().getApiVersion())) {
            e.add(o + ": apiVersion " + o.model().getApiVersion() + ", expected " + expected.apiVersion());
        }
        if (!expected.model().isInstance(o.model())) {
            e.add(o + ": deserialised as " + o.model().getClass().getName() + ", expected " + expected.model().getName());
        }
        if (o.model().getMetadata() == null || o.model().getMetadata().getName() == null
                || !o.model().getMetadata().getName().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            e.add(o + ": metadata.name must be a DNS-1123 label");
        }
        if (!patch && !(o.model() instanceof GenericKubernetesResource)) {
            Object spec = o.model() instanceof ConfigMap || o.model() instanceof Secret ? o.model() : readField(o.model(), "spec");
            if (spec == null) {
                e.add(o + ": no spec");
            }
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(o.model(), o.kind(), unknown);
        unknown.forEach(u -> e.add(o + ": field unknown to the " + o.kind() + " model: " + u));
        return e;
    }

    private static void unknownFields(Object node, String path, List<String> out) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                unknownFields(x, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
            return;
        }
        if (node instanceof GenericKubernetesResource g) {
            unknownFields(g.getMetadata(), path + ".metadata", out);
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Class<?> cl = node.getClass(); cl != null && cl != Object.class; cl = cl.getSuperclass()) {
            for (Field f : cl.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Object v = readField(node, f);
                if (f.getName().equals("additionalProperties") && v instanceof Map<?, ?> extra) {
                    extra.keySet().stream().filter(k -> !"$patch".equals(k)).forEach(k -> out.add(path + "." + k));
                } else {
                    unknownFields(v, path + "." + f.getName(), out);
                }
            }
        }
    }

    private static Object readField(Object o, Field f) {
        try {
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new AssertionError("cannot read " + f, e);
        }
    }

    private static Object readField(Object o, String name) {
        for (Class<?> cl = o.getClass(); cl != null; cl = cl.getSuperclass()) {
            try {
                return readField(o, cl.getDeclaredField(name));
            } catch (NoSuchFieldException ignored) {
                // superclass
            }
        }
        return null;
    }

    static PodTemplateSpec template(Obj w) {
        return w.model() instanceof Deployment d ? d.getSpec().getTemplate() : ((StatefulSet) w.model()).getSpec().getTemplate();
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    static boolean selectorMatches(LabelSelector sel, Deployment d) {
        return sel != null && (sel.getMatchExpressions() == null || sel.getMatchExpressions().isEmpty())
                && matches(sel.getMatchLabels(), d.getSpec().getTemplate().getMetadata().getLabels());
    }

    static boolean hasPort(PodSpec pod, IntOrString port) {
        if (port == null) {
            return false;
        }
        List<ContainerPort> ports = pod.getContainers().stream()
                .flatMap(c -> Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of()).stream()).collect(Collectors.toList());
        return port.getStrVal() != null
                ? ports.stream().anyMatch(p -> port.getStrVal().equals(p.getName()))
                : ports.stream().anyMatch(p -> port.getIntVal().equals(p.getContainerPort()));
    }

    static Optional<Obj> find(List<Obj> objs, String kind, String name) {
        return objs.stream().filter(o -> o.kind().equals(kind) && (name == null || o.name().equals(name))).findFirst();
    }

    static String key(Obj o) {
        return o.kind() + "/" + o.name();
    }

    static Map<String, Obj> index(List<Obj> objs) {
        Map<String, Obj> m = new LinkedHashMap<>();
        objs.forEach(o -> m.put(key(o), o));
        return m;
    }

    /** The base's resources plus the Secret template it documents (not applied). */
    static List<Obj> baseObjects() {
        List<Obj> out = new ArrayList<>();
        Map<String, Object> k = DeployFiles.loadMap(DeployFiles.BASE.resolve("kustomization.yaml"));
        for (String r : strings(k.get("resources"))) {
            out.addAll(objects(DeployFiles.BASE.resolve(r)));
        }
        out.addAll(objects(DeployFiles.BASE.resolve("secret.template.yaml")));
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // Kustomize files

    static boolean isKustomization(Path p) {
        String n = p.getFileName().toString();
        return n.equals("kustomization.yaml") || n.equals("kustomization.yml") || n.equals("Kustomization");
    }

    static Set<Path> patchFiles() {
        Set<Path> out = new HashSet<>();
        for (Path k : DeployFiles.yamlFiles(DeployFiles.KUBERNETES)) {
            if (isKustomization(k)) {
                Map<String, Object> doc = DeployFiles.loadMap(k);
                maps(doc.get("patches")).stream().map(p -> p.get("path")).filter(Objects::nonNull)
                        .forEach(p -> out.add(k.getParent().resolve(p.toString()).normalize()));
                strings(doc.get("patchesStrategicMerge")).forEach(p -> out.add(k.getParent().resolve(p).normalize()));
            }
        }
        return out;
    }

    static List<String> referencedPaths(Map<String, Object> k) {
        List<String> refs = new ArrayList<>();
        refs.addAll(strings(k.get("resources")));
        refs.addAll(strings(k.get("components")));
        refs.addAll(strings(k.get("patchesStrategicMerge")));
        maps(k.get("patches")).stream().map(p -> p.get("path")).filter(Objects::nonNull).forEach(p -> refs.add(p.toString()));
        for (String gen : List.of("configMapGenerator", "secretGenerator")) {
            for (Map<String, Object> g : maps(k.get(gen))) {
                refs.addAll(strings(g.get("envs")));
                strings(g.get("files")).forEach(f -> refs.add(f.contains("=") ? f.substring(f.indexOf('=') + 1) : f));
            }
        }
        return refs;
    }

    static int replicasOf(Map<String, Object> kustomization) {
        return maps(kustomization.get("replicas")).stream().filter(r -> APP.equals(r.get("name")))
                .map(r -> ((Number) r.get("count")).intValue()).findFirst().orElseThrow(() -> new AssertionError("no replicas entry for " + APP));
    }

    static Map<String, String> literals(Map<String, Object> generator) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : strings(generator.get("literals"))) {
            int eq = l.indexOf('=');
            out.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // Secrets

    /** REPLACE_ME, a dev-only value, or a MongoDB URI that carries no credentials. */
    static boolean isPlaceholder(String value) {
        return value.contains("REPLACE_ME") || value.startsWith("dev-only")
                || value.matches("mongodb(\\+srv)?://[^@/]+(/.*)?") && !value.contains("@");
    }

    static List<String> secretErrors(String where, Secret s) {
        List<String> e = new ArrayList<>();
        Objects.requireNonNullElse(s.getStringData(), Map.<String, String>of()).forEach((k, v) -> {
            if (!isPlaceholder(v)) {
                e.add(where + ": Secret " + s.getMetadata().getName() + " stringData." + k + " looks real");
            }
        });
        Objects.requireNonNullElse(s.getData(), Map.<String, String>of()).forEach((k, v) -> {
            if (!isPlaceholder(decode(v))) {
                e.add(where + ": Secret " + s.getMetadata().getName() + " data." + k + " looks real");
            }
        });
        return e;
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------
    // Small utilities

    static List<String> instructions(String dockerfile, String instruction) {
        String joined = dockerfile.replaceAll("\\\\\\R", " ");
        return joined.lines().map(String::strip).filter(l -> l.regionMatches(true, 0, instruction + " ", 0, instruction.length() + 1))
                .map(l -> l.substring(instruction.length() + 1).strip()).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map)) {
            throw new AssertionError("expected a YAML mapping, got " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object o) {
        return o == null ? List.of() : ((List<Object>) o).stream().map(String::valueOf).collect(Collectors.toList());
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static void assertNoErrors(List<String> errors) {
        assertTrue(errors.isEmpty(), () -> errors.size() + " problem(s):\n  " + String.join("\n  ", errors));
    }
}
