using k8s.Models;
using Summarizer.Grains.Hosting;

namespace Summarizer.Deploy.Tests;

/// <summary>Both overlays render with kubectl kustomize, parse strictly, and agree with what the silo reads and serves.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Overlays => new() { "deploy/k8s/overlays/cpu", "deploy/k8s/overlays/gpu" };

    /// <summary>The overlays and the same with the monitoring component, which must keep every rule of the plain ones.</summary>
    public static TheoryData<string> AllOverlays => new() { "deploy/k8s/overlays/cpu", "deploy/k8s/overlays/gpu", "deploy/k8s/overlays/cpu-monitoring", "deploy/k8s/overlays/gpu-monitoring" };

    private static readonly string[] SiloEndpoints = ["/health/live", "/health/ready"];

    private static IEnumerable<(V1Deployment Deployment, V1Container Container)> SummarizerContainers(Rendered r) =>
        r.All<V1Deployment>()
            .Where(d => d.Spec.Template.Metadata.Labels.TryGetValue("app.kubernetes.io/name", out var n) && n == "summarizer")
            .SelectMany(d => d.Spec.Template.Spec.Containers.Select(c => (d, c)));

    /// <summary>Whether a label selector selects a pod with <paramref name="labels"/> (every selector pair present).</summary>
    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    [Theory, MemberData(nameof(Overlays))]
    public void Renders_and_parses_strictly(string overlay)
    {
        var rendered = Kustomize.Render(overlay);
        Assert.Contains(rendered.Objects, o => o is V1Deployment);
        Assert.Single(rendered.All<V1Service>(), s => s.Metadata.Name == "summarizer");
        Assert.Single(rendered.All<V1ServiceAccount>());
        Assert.NotEmpty(rendered.All<V1PodDisruptionBudget>());
        Assert.Single(rendered.All<V2HorizontalPodAutoscaler>());
        Assert.Single(rendered.All<V1StatefulSet>());
        Assert.Single(rendered.All<V1Secret>());
        Assert.Single(rendered.All<V1ConfigMap>());
    }

    [Theory, MemberData(nameof(AllOverlays))]
    public void Labels_and_selectors_match(string overlay)
    {
        var r = Kustomize.Render(overlay);
        foreach (var workload in r.All<V1Deployment>().Select(d => (d.Spec.Selector, d.Spec.Template.Metadata.Labels))
                     .Concat(r.All<V1StatefulSet>().Select(s => (s.Spec.Selector, s.Spec.Template.Metadata.Labels))))
            Assert.True(Selects(workload.Selector.MatchLabels, workload.Labels), "a workload's selector does not match its pod template");

        var pods = r.All<V1Deployment>().Select(d => d.Spec.Template.Metadata.Labels)
            .Concat(r.All<V1StatefulSet>().Select(s => s.Spec.Template.Metadata.Labels)).ToList();
        foreach (var service in r.All<V1Service>())
            Assert.True(pods.Any(p => Selects(service.Spec.Selector, p)), $"Service {service.Metadata.Name} selects no pods");
        foreach (var pdb in r.All<V1PodDisruptionBudget>())
            Assert.True(pods.Any(p => Selects(pdb.Spec.Selector.MatchLabels, p)), $"PDB {pdb.Metadata.Name} selects no pods");

        // The HTTP Service fronts the silo pods only, never the GPU encoder pods.
        var http = r.Named<V1Service>("summarizer");
        Assert.True(Selects(http.Spec.Selector, r.Silo.Spec.Template.Metadata.Labels));
        foreach (var other in r.All<V1Deployment>().Where(d => d != r.Silo))
            Assert.False(Selects(http.Spec.Selector, other.Spec.Template.Metadata.Labels));

        var hpa = r.All<V2HorizontalPodAutoscaler>().Single();
        Assert.Equal(("Deployment", "summarizer-silo"), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        var redis = r.All<V1StatefulSet>().Single();
        Assert.Contains(r.All<V1Service>(), s => s.Metadata.Name == redis.Spec.ServiceName && Selects(s.Spec.Selector, redis.Spec.Template.Metadata.Labels));

        // Every Orleans silo of the overlay is in the same cluster and service.
        var ids = SummarizerContainers(r).Select(x => (x.Deployment.Spec.Template.Metadata.Labels["orleans/serviceId"], x.Deployment.Spec.Template.Metadata.Labels["orleans/clusterId"])).Distinct();
        Assert.Single(ids);
    }

    [Theory, MemberData(nameof(Overlays))]
    public void Probes_point_at_real_endpoints_and_ports_match_the_configuration(string overlay)
    {
        var r = Kustomize.Render(overlay);
        var settings = r.Settings.Data;
        var configured = new Dictionary<string, int>
        {
            ["http"] = new Uri(settings["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal)).Port,
            ["silo"] = int.Parse(settings["Summarizer__SiloPort"]),
            ["gateway"] = int.Parse(settings["Summarizer__GatewayPort"]),
        };
        Assert.Equal(new Dictionary<string, int> { ["http"] = 8080, ["silo"] = 11111, ["gateway"] = 30000 }, configured);
        var shutdown = int.Parse(settings["Summarizer__ShutdownTimeoutSeconds"]);

        foreach (var (deployment, container) in SummarizerContainers(r))
        {
            Assert.Equal(configured, container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort));
            var probes = new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe };
            Assert.All(probes, p => Assert.NotNull(p));
            foreach (var probe in probes)
            {
                Assert.Contains(probe.HttpGet.Path, SiloEndpoints);
                Assert.Equal("http", probe.HttpGet.Port.Value);
            }
            Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);

            var preStop = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
            Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > shutdown + preStop,
                $"{deployment.Metadata.Name}: terminationGracePeriodSeconds must exceed ShutdownTimeoutSeconds + preStop");
            // CPU request without CPU limit; memory limited.
            Assert.True(container.Resources.Requests.ContainsKey("cpu"));
            Assert.False(container.Resources.Limits.ContainsKey("cpu"));
            Assert.True(container.Resources.Limits.ContainsKey("memory"));
        }
        var service = r.Named<V1Service>("summarizer");
        Assert.Equal("http", service.Spec.Ports.Single().TargetPort.Value);
    }

    [Theory, MemberData(nameof(AllOverlays))]
    public void Env_names_are_what_the_silo_reads(string overlay)
    {
        var r = Kustomize.Render(overlay);
        foreach (var name in r.Settings.Data.Keys)
            Assert.True(SiloSettings.Names.Contains(name), $"ConfigMap key {name} is not read by the silo");
        foreach (var (deployment, container) in SummarizerContainers(r))
        {
            foreach (var variable in container.Env)
                Assert.True(SiloSettings.Names.Contains(variable.Name) || SiloSettings.PodIdentity.Contains(variable.Name),
                    $"{deployment.Metadata.Name}: env {variable.Name} is not read by the silo");
            var env = container.Env.ToDictionary(e => e.Name);
            Assert.Equal("$(POD_IP)", env["Summarizer__AdvertisedAddress"].Value);
            Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
            Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
            Assert.NotNull(env["ORLEANS_SERVICE_ID"].ValueFrom.FieldRef);
            Assert.NotNull(env["ORLEANS_CLUSTER_ID"].ValueFrom.FieldRef);
            var secret = env["Summarizer__Redis__Password"].ValueFrom.SecretKeyRef;
            Assert.Contains(r.All<V1Secret>(), s => s.Metadata.Name == secret.Name && s.StringData.ContainsKey(secret.Key));
            Assert.False(env.ContainsKey("Summarizer__RedisConnectionString"), "the connection string is a ConfigMap setting, not a secret");
            // Every setting the silo is given must pass its own validation.
            Assert.Contains(env["Summarizer__Role"].Value, new[] { "all", "encoder", "decoder" });
        }
        Assert.Equal("redis", r.Settings.Data["Summarizer__Clustering"]);
    }

    [Theory, MemberData(nameof(AllOverlays))]
    public void The_redis_password_comes_only_from_the_secret_and_the_bundled_redis_requires_the_same_one(string overlay)
    {
        var r = Kustomize.Render(overlay);
        var secret = r.All<V1Secret>().Single();
        Assert.Equal(new[] { "password" }, secret.StringData.Keys);
        // Nothing secret in the ConfigMap: the connection string names the endpoint only.
        var connection = r.Settings.Data["Summarizer__RedisConnectionString"];
        Assert.DoesNotContain("password", connection, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(r.Settings.Data.Keys, k => k.Contains("Password", StringComparison.OrdinalIgnoreCase));
        foreach (var (deployment, container) in SummarizerContainers(r))
        {
            var reference = container.Env.Single(e => e.Name == "Summarizer__Redis__Password").ValueFrom.SecretKeyRef;
            Assert.Equal((secret.Metadata.Name, "password"), (reference.Name, reference.Key));
        }
        var redis = r.All<V1StatefulSet>().Single().Spec.Template.Spec.Containers.Single();
        var env = redis.Env.ToDictionary(e => e.Name);
        Assert.Equal((secret.Metadata.Name, "password"), (env["REDIS_PASSWORD"].ValueFrom.SecretKeyRef.Name, env["REDIS_PASSWORD"].ValueFrom.SecretKeyRef.Key));
        Assert.Equal((secret.Metadata.Name, "password"), (env["REDISCLI_AUTH"].ValueFrom.SecretKeyRef.Name, env["REDISCLI_AUTH"].ValueFrom.SecretKeyRef.Key));
        int requirepass = redis.Args.IndexOf("--requirepass");
        Assert.True(requirepass >= 0, "the bundled Redis does not require a password");
        Assert.Equal("$(REDIS_PASSWORD)", redis.Args[requirepass + 1]);
        // The service's Redis host is the bundled one's Service.
        Assert.StartsWith(r.All<V1StatefulSet>().Single().Spec.ServiceName + ":", connection);
    }

    [Theory, MemberData(nameof(AllOverlays))]
    public void No_container_runs_as_root(string overlay)
    {
        var r = Kustomize.Render(overlay);
        var pods = r.All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(r.All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template.Spec)));
        foreach (var (name, pod) in pods)
        {
            Assert.False(pod.AutomountServiceAccountToken ?? true, $"{name} mounts a service account token");
            foreach (var c in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var user = c.SecurityContext?.RunAsUser ?? pod.SecurityContext?.RunAsUser;
                var nonRoot = c.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot;
                Assert.True(nonRoot == true && user is > 0, $"{name}/{c.Name} may run as root");
                Assert.False(c.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{name}/{c.Name} allows privilege escalation");
                Assert.True(c.SecurityContext?.ReadOnlyRootFilesystem, $"{name}/{c.Name} has a writable root filesystem");
            }
        }
        // Least privilege: no RBAC objects at all (Redis clustering needs no Kubernetes API).
        Assert.DoesNotContain(r.Objects, o => o is V1Role or V1ClusterRole or V1RoleBinding or V1ClusterRoleBinding);
    }

    [Fact]
    public void Gpu_overlay_requests_gpus_only_on_the_encoder_deployment()
    {
        var r = Kustomize.Render("deploy/k8s/overlays/gpu");
        var withGpu = SummarizerContainers(r).Where(x => x.Container.Resources.Limits.ContainsKey("nvidia.com/gpu")).ToList();
        var (encoder, container) = Assert.Single(withGpu);
        Assert.Equal("summarizer-encoder", encoder.Metadata.Name);
        Assert.DoesNotContain(r.All<V1StatefulSet>(), s => s.Spec.Template.Spec.Containers.Any(c => c.Resources.Limits?.ContainsKey("nvidia.com/gpu") == true));
        var env = container.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("encoder", env["Summarizer__Role"]);
        Assert.Equal("cuda", env["Summarizer__Device"]);
        Assert.Equal("true", encoder.Spec.Template.Spec.NodeSelector["nvidia.com/gpu.present"]);
        Assert.Contains(encoder.Spec.Template.Spec.Tolerations, t => t.Key == "nvidia.com/gpu");
        Assert.Equal("decoder", r.Silo.Spec.Template.Spec.Containers.Single().Env.Single(e => e.Name == "Summarizer__Role").Value);
    }

    [Fact]
    public void Cpu_overlay_has_no_gpu_and_only_all_role_silos()
    {
        var r = Kustomize.Render("deploy/k8s/overlays/cpu");
        var (deployment, container) = Assert.Single(SummarizerContainers(r));
        Assert.Same(r.Silo, deployment);
        Assert.False(container.Resources.Limits.ContainsKey("nvidia.com/gpu"));
        Assert.Equal("all", container.Env.Single(e => e.Name == "Summarizer__Role").Value);
        Assert.Equal("all", new SummarizerOptions().Role);
    }
}
