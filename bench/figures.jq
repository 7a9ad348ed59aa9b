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
  .results[] | fig("cni.\(.type).\(.command | ascii_downcase)"; "ms"; .samples_ms)
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
    fig("policy.\($shape).rss_added"; "MiB"; [.build.delta_rss_kb / 1024])
elif $bench == "policy-latency" then
  .results[] | fig("policy_latency.\(.change | split(":")[0] | gsub(" "; "_"))"; "ms"; .samples_ms)
elif $bench == "flow-install" then
  .results[] | (.flows | tostring) as $n
  | median_of(.ofctl_samples_ms) as $ofctl
  | fig("flow_install.\($n).ovs_ofctl"; "ms"; .ofctl_samples_ms),
    (fig("flow_install.\($n).commit"; "ms"; .commit_samples_ms)
     | vs("flow_install.\($n).ovs_ofctl"; $ofctl)),
    fig("flow_install.\($n).compile"; "ms"; .compile_samples_ms)
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
elif $bench == "cross-node" then
  (.results[] | select(.mode | startswith("kernel")) | .tcp_gbps) as $bt
  | (.results[] | select(.mode | startswith("kernel")) | .udp64_pps) as $bu
  | .results[] | (.mode | split(" ")[0] | ascii_downcase) as $m
  | if ($m == "kernel") then
      fig("cross_node.kernel_veth.tcp"; "Gbit/s"; [.tcp_gbps]),
      fig("cross_node.kernel_veth.udp64"; "packets/s"; [.udp64_pps])
    else
      (fig("cross_node.\($m).tcp"; "Gbit/s"; [.tcp_gbps])
       | vs("cross_node.kernel_veth.tcp"; $bt)),
      (fig("cross_node.\($m).udp64"; "packets/s"; [.udp64_pps])
       | vs("cross_node.kernel_veth.udp64"; $bu)),
      fig("cross_node.\($m).pmd_sender"; "PMD cycles/packet";
          [.pmd_cycles_per_packet.sender_node])
    end
elif $bench == "datapath" then
  .results as $all
  | .results[] | .udp_payload as $size
  | ($all | map(select((.path | startswith("ovs-normal")) and .udp_payload == $size))[0].pps) as $floor
  | (.path | split(" ")[0] | rtrimstr(",")) as $p
  | (if (.path | contains("1,000")) then "\($p)_loaded" else $p end) as $name
  | if ($p | startswith("ovs-normal")) or ($p | startswith("linux-bridge")) then
      fig("datapath.\($name).udp\($size)"; "packets/s"; [.pps])
    else
      (fig("datapath.\($name).udp\($size)"; "packets/s"; [.pps])
       | vs("datapath.ovs-normal.udp\($size)"; $floor)),
      (if .pmd_cycles_per_packet then
         fig("datapath.\($name).udp\($size).pmd"; "PMD cycles/packet";
             [.pmd_cycles_per_packet])
       else empty end)
    end
else
  error("unknown benchmark \($bench)")
end
