import Foundation
import Prometheus

/// The service's Prometheus metrics. Names and labels are part of the API (README, operations docs).
final class ServiceMetrics: @unchecked Sendable {
    // The registry and its collectors are thread-safe.
    let registry: PrometheusCollectorRegistry

    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let queueWait: ValueHistogram
    private let decode: ValueHistogram
    private let queueDepth: Gauge
    private let inflight: Gauge
    private let residentMemory: Gauge, virtualMemory: Gauge, startTime: Gauge, openFDs: Gauge, maxFDs: Gauge
    private let cpuSeconds: Counter
    private let cpuLock = NSLock()
    private var cpuReported = 0.0
    private let modelInfoLock = NSLock()
    private var modelInfo: [Gauge] = []

    init(workers: Int, models: [ServedModel]) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func name(_ subsystem: String?, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "shufflenet", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
        queueWait = registry.makeValueHistogram(descriptor: name("queue", "wait", "seconds", "Time a classification waited for a worker."), buckets: Self.latencyBuckets)
        decode = registry.makeValueHistogram(descriptor: name("decode", "duration", "seconds", "Time to decode an uploaded PNG."), buckets: Self.latencyBuckets)
        queueDepth = registry.makeGauge(descriptor: name("queue", "depth", "", "Classifications waiting for a worker."))
        inflight = registry.makeGauge(descriptor: name("inflight", "requests", "", "Classification requests being handled."))
        registry.makeGauge(descriptor: name(nil, "workers", "", "Inference worker threads.")).set(to: Double(workers))
        func process(_ metric: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "process", metricName: metric, unitName: unit, helpText: help))
        }
        residentMemory = process("resident_memory", "bytes", "Resident memory size in bytes.")
        virtualMemory = process("virtual_memory", "bytes", "Virtual memory size in bytes.")
        cpuSeconds = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "process", metricName: "cpu_seconds", unitName: "total",
                                                                           helpText: "Total user and system CPU time spent in seconds."))
        startTime = process("start_time", "seconds", "Start time of the process since unix epoch in seconds.")
        openFDs = process("open", "fds", "Number of open file descriptors.")
        maxFDs = process("max", "fds", "Maximum number of open file descriptors.")
        modelsChanged(models)
    }

    /// `shufflenet_model_info` follows the served models: a series per model, gone when the model is.
    func modelsChanged(_ models: [ServedModel]) {
        modelInfoLock.withLock {
            for gauge in modelInfo { registry.unregisterGauge(gauge) }
            modelInfo = models.map { served in
                let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "shufflenet", subsystem: "model", metricName: "info", unitName: "",
                                                                                helpText: "Loaded models (value is always 1)."),
                                               labels: [("model", served.name), ("groups", String(served.model.config.groups)),
                                                        ("width", ModelDescription.widthLabel(served.model)), ("generation", String(served.generation))])
                gauge.set(to: 1.0)
                return gauge
            }
        }
    }

    /// A model file re-read (SIGHUP or the repository API): `result` is success or failure.
    func reload(model: String, result: String) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "shufflenet", subsystem: "model", metricName: "reloads", unitName: "total",
                                                              helpText: "Model loads after start, by model and result (success or failure)."),
                             labels: [("model", model), ("result", result)]).increment()
    }

    func request(route: String, method: String, status: Int, seconds: Double) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "shufflenet", subsystem: "http", metricName: "requests", unitName: "total",
                                                              helpText: "HTTP responses by route, method and status."),
                             labels: [("route", route), ("method", method), ("status", String(status))]).increment()
        registry.makeValueHistogram(descriptor: MetricNameDescriptor(namespace: "shufflenet", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                                                                     helpText: "Time from a complete request to its response, by route."),
                                    labels: [("route", route)], buckets: Self.latencyBuckets).record(seconds)
    }

    func inference(model: String, seconds: Double) {
        registry.makeValueHistogram(descriptor: MetricNameDescriptor(namespace: "shufflenet", subsystem: "inference", metricName: "duration", unitName: "seconds",
                                                                     helpText: "Preprocessing excluded: the forward pass and ranking, by model."),
                                    labels: [("model", model)], buckets: Self.latencyBuckets).record(seconds)
    }

    /// One image of a request classified (`result` "ok") or refused (`result` its error code).
    func image(model: String, result: String) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "shufflenet", metricName: "images", unitName: "total",
                                                              helpText: "Images handled, by model and result (ok or the error code)."),
                             labels: [("model", model), ("result", result)]).increment()
    }

    func queued(seconds: Double) { queueWait.record(seconds) }
    func decoded(seconds: Double) { decode.record(seconds) }
    func inflight(_ delta: Double) { inflight.increment(by: delta) }

    /// The exposition text, with gauges that are sampled (queue depth, process stats) refreshed first.
    func exposition(queueDepth depth: Int) -> [UInt8] {
        queueDepth.set(to: Double(depth))
        let stats = ProcessStats.read()
        residentMemory.set(to: stats.residentBytes)
        virtualMemory.set(to: stats.virtualBytes)
        cpuLock.withLock {
            // A counter: add what was spent since the last scrape.
            if stats.cpuSeconds > cpuReported { cpuSeconds.increment(by: stats.cpuSeconds - cpuReported) }
            cpuReported = max(cpuReported, stats.cpuSeconds)
        }
        startTime.set(to: stats.startTimeSeconds)
        openFDs.set(to: stats.openFDs)
        maxFDs.set(to: stats.maxFDs)
        return registry.emitToBuffer()
    }
}
