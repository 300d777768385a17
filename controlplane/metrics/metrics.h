// Prometheus metrics: a prometheus-cpp exposer whose one collectable reads
// the per-worker counters (summed at scrape time, nothing added to the fast
// path), the ports' device statistics and the control plane's state.
//
// Families (all prefixed aggr_, counters end in _total, bytes and seconds
// are base units):
//   isp_packets_total, isp_bytes_total {isp, direction}       IP bytes
//   subscriber_packets_total, subscriber_bytes_total
//       {subscriber, isp, direction}   only with metrics.subscribers all|top-N
//   port_{receive,transmit}_{packets,bytes,errors}_total,
//   port_receive_missed_total, port_receive_nombuf_total {port}   rte_eth_stats
//   port_link_up {port}
//   drops_total {reason}
//   worker_busy_ratio, worker_poll_seconds_total,
//   worker_busy_seconds_total {worker, lcore}
//   table_entries, table_capacity {table}
//   config_generation, config_last_reload_success,
//   config_last_reload_timestamp_seconds, config_reloads_total {result}
//   build_info {version}
#pragma once

#include <memory>
#include <vector>

#include <prometheus/metric_family.h>

#include "controlplane/config/config.h"

namespace prometheus {
class Collectable;
class Exposer;
}

namespace aggr {

class ControlPlane;

// Every family, built from the control plane's state. Control-plane thread only.
std::vector<prometheus::MetricFamily> collect_router_metrics(ControlPlane& control);

class MetricsExposer {
 public:
  // Serves /metrics on `listen`; throws std::runtime_error if it cannot bind.
  MetricsExposer(ControlPlane& control, const ListenAddress& listen);
  ~MetricsExposer();

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> collectable_;
};

}  // namespace aggr
