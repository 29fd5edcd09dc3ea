import ArgumentParser
import ClassifierService
import HTTP
import ImageDecoding
import Foundation
import Logging
import ShuffleNet

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve classification over HTTP (POST /classify, the Open Inference Protocol under /v2, /healthz, /readyz, /models, /metrics, /openapi.yaml).",
        discussion: "Every option can also be set by the environment variable in brackets; a flag wins over the variable."
    )

    @Option(help: "Address to bind: 0.0.0.0, ::, 127.0.0.1, localhost… [SHUFFLENET_HOST]") var host: String?
    @Option(help: "TCP port; 0 picks a free one. [SHUFFLENET_PORT]") var port: Int?
    @Option(name: .customLong("model"), help: "A model file, or a directory: its *.safetensors files in name order; repeat for several, the first is the default. [SHUFFLENET_MODELS, comma-separated]") var models: [String] = []
    @Option(name: .customLong("model-dir"), help: "A directory the model-repository API may load files from; repeat for several. [SHUFFLENET_MODEL_DIRS, comma-separated]") var modelDirs: [String] = []
    @Flag(name: .customLong("enable-model-control"), help: "Serve the model-repository API (/v2/repository: index, load, unload). [SHUFFLENET_ENABLE_MODEL_CONTROL=1]") var enableModelControl = false
    @Option(help: "Inference worker threads (default: CPUs this process may use). [SHUFFLENET_WORKERS]") var workers: Int?
    @Option(help: "SIMD kernel set: baseline or avx512 (default: the fastest this CPU supports). [SHUFFLENET_KERNELS]") var kernels: String?
    @Option(name: .customLong("queue-size"), help: "Requests that may wait for a worker; beyond it 503. [SHUFFLENET_QUEUE_SIZE]") var queueSize: Int?
    @Option(name: .customLong("max-batch"), help: "Images in one request: /classify image parts, V2 batch size; beyond it 413 (1…\(MultipartParser.maxParts)). [SHUFFLENET_MAX_BATCH]") var maxBatch: Int?
    @Option(name: .customLong("max-json-depth"), help: "Deepest nesting of a V2 request's JSON; deeper → 400. [SHUFFLENET_MAX_JSON_DEPTH]") var maxJSONDepth: Int?
    @Option(name: .customLong("max-body-bytes"), help: "Upload limit in bytes → 413 (default 32 MiB: a full V2 batch of FP32 224² tensors fits). [SHUFFLENET_MAX_BODY_BYTES]") var maxBodyBytes: Int?
    @Option(name: .customLong("max-buffered-body-bytes"), help: "Upload bytes held at once across connections; beyond it 503. [SHUFFLENET_MAX_BUFFERED_BODY_BYTES]") var maxBufferedBodyBytes: Int?
    @Option(name: .customLong("max-pixels"), help: "Largest width×height accepted, from the image header → 413. [SHUFFLENET_MAX_PIXELS]") var maxPixels: Int?
    @Option(name: .customLong("max-jpeg-scans"), help: "Most scans a progressive JPEG may have; more → 422. [SHUFFLENET_MAX_JPEG_SCANS]") var maxJPEGScans: Int?
    @Option(name: .customLong("max-jpeg-markers"), help: "Most marker segments a JPEG may have; more → 422. [SHUFFLENET_MAX_JPEG_MARKERS]") var maxJPEGMarkers: Int?
    @Option(name: .customLong("jpeg-scaling"), help: "exact: full-size JPEG decoding; fast: reduced by 1/2, 1/4 or 1/8 in the IDCT while the shorter side stays at least the model's resize target. [SHUFFLENET_JPEG_SCALING]") var jpegScaling: DecodeSettings.JPEGScalingMode?
    @Option(name: .customLong("request-timeout"), help: "Seconds a request may wait for a worker → 503. [SHUFFLENET_REQUEST_TIMEOUT]") var requestTimeout: Double?
    @Option(name: .customLong("shutdown-timeout"), help: "Seconds in-flight requests get after SIGTERM. [SHUFFLENET_SHUTDOWN_TIMEOUT]") var shutdownTimeout: Double?
    @Option(name: .customLong("drain-delay"), help: "Seconds to keep accepting, not ready, after SIGTERM. [SHUFFLENET_DRAIN_DELAY]") var drainDelay: Double?
    @Option(name: .customLong("header-timeout"), help: "Seconds to receive a request head → 408. [SHUFFLENET_HEADER_TIMEOUT]") var headerTimeout: Double?
    @Option(name: .customLong("idle-timeout"), help: "Seconds a keep-alive connection may idle. [SHUFFLENET_IDLE_TIMEOUT]") var idleTimeout: Double?
    @Option(name: .customLong("max-connections"), help: "Open connections; beyond it 503. [SHUFFLENET_MAX_CONNECTIONS]") var maxConnections: Int?
    @Option(name: .customLong("io-threads"), help: "HTTP event-loop threads. [SHUFFLENET_IO_THREADS]") var ioThreads: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical. [SHUFFLENET_LOG_LEVEL]") var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text or json. [SHUFFLENET_LOG_FORMAT]") var logFormat: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate (chain) for HTTPS. [SHUFFLENET_TLS_CERT]") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for HTTPS. [SHUFFLENET_TLS_KEY]") var tlsKey: String?
    @Option(name: .customLong("api-key-file"), help: "File of API keys, one per line ('#' comments); requests to non-public routes then need 'Authorization: Bearer <key>' or 'X-API-Key'. [SHUFFLENET_API_KEY_FILE]") var apiKeyFile: String?
    @Option(name: .customLong("public-paths"), help: "Comma-separated route patterns that need no API key (default: \(ServiceConfiguration.defaultPublicPaths.joined(separator: ","))). [SHUFFLENET_PUBLIC_PATHS]") var publicPaths: String?
    @Option(name: .customLong("cors-origins"), help: "Comma-separated origins (https://app.example.com) or '*' that browsers may call from. [SHUFFLENET_CORS_ORIGINS]") var corsOrigins: String?

    func run() async throws {
        let configuration = try resolve(environment: ProcessInfo.processInfo.environment)
        // Quantized models run the int8 copy SHUFFLENET_INT8_KERNELS names (default: the fastest this CPU runs).
        do { _ = try Int8Kernels.choose(environment: ProcessInfo.processInfo.environment) } catch { throw ValidationError("\(error)") }
        let format = configuration.logFormat
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let service = ClassifierService(configuration: configuration, logger: Logger(label: "shufflenet"))
        do {
            try await service.runUntilSignalled()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Flags over SHUFFLENET_* variables over defaults; every value is checked before anything starts.
    func resolve(environment env: [String: String]) throws -> ServiceConfiguration {
        var c = ServiceConfiguration()
        func pick<T>(_ flag: T?, _ variable: String, _ parse: (String) -> T?) throws -> T? {
            if let flag { return flag }
            guard let text = env[variable], !text.isEmpty else { return nil }
            guard let value = parse(text) else { throw ValidationError("\(variable)='\(text)' is not valid") }
            return value
        }
        c.host = try pick(host, "SHUFFLENET_HOST", { $0 }) ?? c.host
        if let p = try pick(port, "SHUFFLENET_PORT", { Int($0) }) {
            guard (0...65535).contains(p) else { throw ValidationError("port \(p) is outside 0…65535") }
            c.port = UInt16(p)
        }
        let envModels = env["SHUFFLENET_MODELS"].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        c.modelPaths = !models.isEmpty ? models : (!envModels.isEmpty ? envModels : [ProcessInfo.processInfo.environment["SHUFFLENET_MODEL"] ?? c.modelPaths[0]])
        let envDirs = env["SHUFFLENET_MODEL_DIRS"].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        c.modelDirectories = !modelDirs.isEmpty ? modelDirs : envDirs
        c.enableModelControl = enableModelControl || ["1", "true", "yes"].contains(env["SHUFFLENET_ENABLE_MODEL_CONTROL"]?.lowercased() ?? "")
        c.workers = try pick(workers, "SHUFFLENET_WORKERS", { Int($0) }) ?? c.workers
        if let name = try pick(kernels, "SHUFFLENET_KERNELS", { $0 }) {
            do { c.kernels = try KernelSet.named(name) } catch { throw ValidationError("\(error)") }
        }
        c.queueCapacity = try pick(queueSize, "SHUFFLENET_QUEUE_SIZE", { Int($0) }) ?? c.queueCapacity
        c.maxBatch = try pick(maxBatch, "SHUFFLENET_MAX_BATCH", { Int($0) }) ?? c.maxBatch
        c.maxJSONDepth = try pick(maxJSONDepth, "SHUFFLENET_MAX_JSON_DEPTH", { Int($0) }) ?? c.maxJSONDepth
        c.maxBodyBytes = try pick(maxBodyBytes, "SHUFFLENET_MAX_BODY_BYTES", { Int($0) }) ?? c.maxBodyBytes
        c.maxBufferedBodyBytes = try pick(maxBufferedBodyBytes, "SHUFFLENET_MAX_BUFFERED_BODY_BYTES", { Int($0) }) ?? c.maxBufferedBodyBytes
        c.maxPixels = try pick(maxPixels, "SHUFFLENET_MAX_PIXELS", { Int($0) }) ?? c.maxPixels
        c.maxJPEGScans = try pick(maxJPEGScans, "SHUFFLENET_MAX_JPEG_SCANS", { Int($0) }) ?? c.maxJPEGScans
        c.maxJPEGMarkers = try pick(maxJPEGMarkers, "SHUFFLENET_MAX_JPEG_MARKERS", { Int($0) }) ?? c.maxJPEGMarkers
        c.jpegScaling = try pick(jpegScaling, "SHUFFLENET_JPEG_SCALING", { DecodeSettings.JPEGScalingMode(rawValue: $0) }) ?? c.jpegScaling
        c.requestTimeout = try pick(requestTimeout, "SHUFFLENET_REQUEST_TIMEOUT", { Double($0) }) ?? c.requestTimeout
        c.shutdownTimeout = try pick(shutdownTimeout, "SHUFFLENET_SHUTDOWN_TIMEOUT", { Double($0) }) ?? c.shutdownTimeout
        c.drainDelay = try pick(drainDelay, "SHUFFLENET_DRAIN_DELAY", { Double($0) }) ?? c.drainDelay
        c.headerTimeout = try pick(headerTimeout, "SHUFFLENET_HEADER_TIMEOUT", { Double($0) }) ?? c.headerTimeout
        c.idleTimeout = try pick(idleTimeout, "SHUFFLENET_IDLE_TIMEOUT", { Double($0) }) ?? c.idleTimeout
        c.maxConnections = try pick(maxConnections, "SHUFFLENET_MAX_CONNECTIONS", { Int($0) }) ?? c.maxConnections
        c.ioThreads = try pick(ioThreads, "SHUFFLENET_IO_THREADS", { Int($0) }) ?? c.ioThreads
        if let text = try pick(logLevel, "SHUFFLENET_LOG_LEVEL", { $0 }) {
            guard Logger.Level(rawValue: text) != nil else {
                throw ValidationError("log level must be one of trace, debug, info, notice, warning, error, critical (got '\(text)')")
            }
            c.logLevel = text
        }
        if let text = try pick(logFormat, "SHUFFLENET_LOG_FORMAT", { $0 }) {
            guard let format = ServiceConfiguration.LogFormat(rawValue: text) else { throw ValidationError("log format must be text or json (got '\(text)')") }
            c.logFormat = format
        }
        c.tlsCertificate = try pick(tlsCert, "SHUFFLENET_TLS_CERT", { $0 })
        c.tlsPrivateKey = try pick(tlsKey, "SHUFFLENET_TLS_KEY", { $0 })
        c.apiKeyFile = try pick(apiKeyFile, "SHUFFLENET_API_KEY_FILE", { $0 })
        if let list = try pick(publicPaths, "SHUFFLENET_PUBLIC_PATHS", { $0 }) {
            c.publicPaths = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for pattern in c.publicPaths where !pattern.hasPrefix("/") { throw ValidationError("public path '\(pattern)' must start with '/'") }
        }
        if let list = try pick(corsOrigins, "SHUFFLENET_CORS_ORIGINS", { $0 }) {
            do { c.cors = try CORSPolicy(originList: list) } catch { throw ValidationError("--cors-origins: \(error.message)") }
        }

        if let w = c.workers, w < 1 { throw ValidationError("workers must be at least 1 (got \(w))") }
        guard (1...MultipartParser.maxParts).contains(c.maxBatch) else {
            throw ValidationError("max batch must be from 1 to \(MultipartParser.maxParts), the most parts a form may have (got \(c.maxBatch))")
        }
        for (name, value) in [("queue size", c.queueCapacity), ("max JSON depth", c.maxJSONDepth), ("max body bytes", c.maxBodyBytes), ("max pixels", c.maxPixels), ("max JPEG scans", c.maxJPEGScans), ("max JPEG markers", c.maxJPEGMarkers),
                              ("max connections", c.maxConnections), ("io threads", c.ioThreads)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        for (name, value) in [("request timeout", c.requestTimeout), ("shutdown timeout", c.shutdownTimeout), ("header timeout", c.headerTimeout),
                              ("idle timeout", c.idleTimeout)] where !(value > 0) {
            throw ValidationError("\(name) must be a positive number of seconds (got \(value))")
        }
        guard c.maxBufferedBodyBytes >= c.maxBodyBytes else {
            throw ValidationError("max buffered body bytes (\(c.maxBufferedBodyBytes)) must be at least max body bytes (\(c.maxBodyBytes)), or the largest allowed upload could never be accepted")
        }
        guard c.drainDelay >= 0 else { throw ValidationError("drain delay must not be negative") }
        guard (c.tlsCertificate == nil) == (c.tlsPrivateKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        return c
    }
}
