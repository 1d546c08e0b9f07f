// garrison-exporter: the long-running process of `garrison metrics serve` (see MetricsExporter). A separate,
// static executable so the exporter does not carry the CLI's code, argument parser and shared libraries.
#if canImport(Glibc)
  import Glibc
#endif
import GarrisonMetrics

exit(MetricsExporter.main(Array(CommandLine.arguments.dropFirst())))
