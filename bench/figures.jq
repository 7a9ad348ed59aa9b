# figures.jq: one benchmark's JSON (as bench/*'s --out writes it) into the
# suite's figures: {name, unit, runs, min, median, max, noisy[, baseline,
# ratio]}.  $bench names the benchmark.  Used by bench/run.

# A figure from its samples; noisy when (max - min) / median > 0.5.
def fig($name; $unit; $samples):
  ($samples | map(select(. != null)) | sort) as $s
  | if ($s | length) == 0 then empty else
      {name: $name, unit: $unit, runs: ($s | length), min: $s[0],
       median: $s[(($s | length) - 1) / 2 | floor], max: $s[-1]}
      | .noisy = (if .median == 0 then false
                  else ((.max - .min) / (.median | fabs) > 0.5) end)
    end;

# The same, compared with a baseline figure measured in the same run.
def vs($baseline; $base_median):
  . + {baseline: $baseline,
       ratio: (if $base_median == 0 then null else .median / $base_median end)};

def median_of($a): ($a | sort) as $s | $s[(($s | length) - 1) / 2 | floor];

if $bench == "cni-latency" then
  (.results[] | fig("cni.\(.type).\(.command | ascii_downcase)"; "ms"; .samples_ms)),
  ((.throughput // [])[]
   | fig("cni.\(.type).\(.command | ascii_downcase)_burst"; "pods/s"; [.pods_per_s]))
elif $bench == "policy-scale" then
  .runs[] | .config.shape as $shape | .full.full_s as $full
  | fig("policy.\($shape).full"; "s"; [.full.full_s]),
    (fig("policy.\($shape).incremental"; "ms";
         [.incremental.samples.apply_s_ms, .incremental.samples.affected_s_ms,
          .incremental.samples.recompute_s_ms, .incremental.samples.result_s_ms]
         | transpose | map(add))
     | vs("policy.\($shape).full (as ms)"; $full * 1000)),
    fig("policy.\($shape).flows"; "flows"; [.full.flows]),
    fig("policy.\($shape).compile"; "s"; [.full.flows_compile_s]),
    fig("policy.\($shape).rss_model"; "MiB"; [.build.baseline_rss_kb / 1024]),
    fig("policy.\($shape).rss_added"; "MiB"; [.build.delta_rss_kb / 1024])
elif $bench == "policy-latency" then
  .results[] | (.change | split(":")[0] | gsub(" "; "_")) as $c
  | fig("policy_latency.\($c)"; "ms"; .samples_ms),
    fig("policy_latency.\($c).flows_installed"; "ms"; .installed_samples_ms // [])
elif $bench == "flow-install" then
  .results[] | (.flows | tostring) as $n
  | median_of(.ofctl_samples_ms) as $ofctl
  | fig("flow_install.\($n).ovs_ofctl"; "ms"; .ofctl_samples_ms),
    (fig("flow_install.\($n).commit"; "ms"; .commit_samples_ms)
     | vs("flow_install.\($n).ovs_ofctl"; $ofctl)),
    fig("flow_install.\($n).compile"; "ms"; .compile_samples_ms),
    fig("flow_install.\($n).one_change_commit"; "ms";
        .one_change_commit_samples_ms // []),
    fig("flow_install.\($n).idle_check"; "us"; .idle_check_samples_us // [])
elif $bench == "service-scale" then
  (.control_plane[] | (.services | tostring) as $n
   | fig("service.\($n).compile"; "s"; [.compile_s]),
     fig("service.\($n).install"; "s"; [.install_s]),
     fig("service.\($n).endpoint_change"; "ms"; [.endpoint_change_s * 1000]),
     fig("service.\($n).flows"; "flows"; [.flows]),
     fig("service.\($n).rss_peak"; "MiB"; [.rss_peak_kb / 1024])),
  (.datapath | median_of(.direct) as $d
   | fig("service.datapath.direct"; "PMD cycles/packet"; .direct),
     (fig("service.datapath.clusterip"; "PMD cycles/packet"; .service)
      | vs("service.datapath.direct"; $d)))
elif $bench == "datapath" or $bench == "cross-node" then
  # bench/traffic.sh's samples: {path, metric, unit, samples[, baseline]}.
  ($bench | gsub("-"; "_")) as $prefix
  | .results as $all
  | .results[] | . as $r
  | ([$all[] | select(.path == $r.baseline and .metric == $r.metric)][0]) as $b
  | fig("\($prefix).\(.path).\(.metric)"; .unit; .samples)
  | if $b then vs("\($prefix).\($b.path).\($b.metric)"; median_of($b.samples)) else . end
elif $bench == "scale" then
  .results[] | "scale.\(.unit)" as $n
  | fig("\($n).flows"; "flows"; .flows_per_unit),
    (if (.groups_per_unit | any(. != 0)) then
       fig("\($n).groups"; "groups"; .groups_per_unit)
     else empty end),
    fig("\($n).agent_rss"; "KiB"; .agent_kib_per_unit),
    fig("\($n).vswitchd_rss"; "KiB"; .vswitchd_kib_per_unit)
elif $bench == "metrics-cost" then
  .results as $r
  | (fig("metrics_cost.scrape_ms"; "ms"; $r.scrape.samples_ms)
     | vs("metrics_cost.healthz_ms"; median_of($r.healthz.samples_ms))),
    fig("metrics_cost.healthz_ms"; "ms"; $r.healthz.samples_ms),
    fig("metrics_cost.scrape_bytes"; "bytes"; [$r.scrape.bytes.mean]),
    (fig("metrics_cost.scrape_cpu_ms"; "ms"; [$r.scrape.cpu_ms_per_request])
     | vs("metrics_cost.healthz_cpu_ms"; $r.healthz.cpu_ms_per_request)),
    fig("metrics_cost.healthz_cpu_ms"; "ms"; [$r.healthz.cpu_ms_per_request]),
    (fig("metrics_cost.scrape_main_thread_ms"; "ms"; [$r.scrape.main_thread_ms_per_request])
     | vs("metrics_cost.healthz_main_thread_ms"; $r.healthz.main_thread_ms_per_request)),
    fig("metrics_cost.healthz_main_thread_ms"; "ms"; [$r.healthz.main_thread_ms_per_request]),
    fig("metrics_cost.collect_ms"; "ms"; [$r.scrape.collect_ms_mean])
elif $bench == "flow-export" then
  .results as $r | "flow_export.\(.connections)" as $n
  | (fig("\($n).agent_cpu"; "cores"; [$r.loaded.agent_cpu_per_s])
     | vs("flow_export.idle.agent_cpu"; $r.idle.agent_cpu_per_s)),
    fig("flow_export.idle.agent_cpu"; "cores"; [$r.idle.agent_cpu_per_s]),
    (fig("\($n).vswitchd_cpu"; "cores"; [$r.loaded.vswitchd_cpu_per_s])
     | vs("flow_export.idle.vswitchd_cpu"; $r.idle.vswitchd_cpu_per_s)),
    fig("flow_export.idle.vswitchd_cpu"; "cores"; [$r.idle.vswitchd_cpu_per_s]),
    fig("\($n).records"; "records/s"; [$r.loaded.records_per_s])
elif $bench == "churn" then
  .results[] | "churn.\(.phase)" as $n
  | fig("\($n).agent_rss_ratio"; "last/first"; [.agent.ratio]),
    fig("\($n).vswitchd_rss_ratio"; "last/first"; [.vswitchd.ratio]),
    fig("\($n).agent_rss"; "KiB"; [.agent.last_kib]),
    fig("\($n).vswitchd_rss"; "KiB"; [.vswitchd.last_kib]),
    fig("\($n).cycles_per_s"; "cycles/s";
        [if .seconds > 0 then .cycles / .seconds else null end])
elif $bench == "live-churn" then
  median_of([.results[] | select(.phase == "idle") | .samples[].p99_us]) as $idle
  | .results[] | "live_churn.\(.phase)" as $n
  | fig("\($n).lost"; "messages"; [.samples[].lost]),
    fig("\($n).p50"; "us"; [.samples[].p50_us]),
    (fig("\($n).p99"; "us"; [.samples[].p99_us])
     | if .name == "live_churn.idle.p99" then . else vs("live_churn.idle.p99"; $idle) end),
    fig("\($n).changes_per_s"; "changes/s"; [.samples[].changes_per_s])
elif $bench == "recovery" then
  .results[] | . as $r
  | ($r.samples[0] | keys_unsorted | map(select(endswith("_ms")))) as $phases
  | $phases[]
  | fig("recovery.\($r.scenario).\(sub("_ms$"; ""))"; "ms"; [$r.samples[][.]])
else
  error("unknown benchmark \($bench)")
end
