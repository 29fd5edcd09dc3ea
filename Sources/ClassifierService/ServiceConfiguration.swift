import HTTP
import ImageDecoding
import ShuffleNet

/// Everything `shufflenet serve` can be told. Each field has a flag and a SHUFFLENET_* environment variable
/// (see the CLI's ServeCommand); defaults are production defaults.
public struct ServiceConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port: UInt16 = 8080
    public var modelPaths: [String] = ["models/shufflenet_v1_g3_0.5x.safetensors"]
    public var modelDirectories: [String] = []      // where the repository API may load files from
    public var enableModelControl = false           // the /v2/repository routes
    public var workers: Int? = nil                 // nil: the CPUs this process may use (affinity and cgroup quota)
    public var kernels = KernelSet.detected         // SIMD kernels: the fastest copy this CPU supports
    public var queueCapacity = 64                  // requests waiting for a worker; beyond it 503 + Retry-After
    public var maxBatch = 32                       // images in one request (/classify parts, V2 batch) → 413 beyond
    public var maxBodyBytes = 32 * 1024 * 1024     // upload limit → 413; fits a full V2 batch of FP32 224² tensors (19.3 MB)
    public var maxBufferedBodyBytes = 256 << 20    // upload bytes held at once across connections → 503 + Retry-After
    public var maxJSONDepth = 64                   // nesting of a V2 request's JSON → 400 beyond
    public var maxPixels = 40_000_000              // width × height limit, judged from the image header → 413
    public var maxJPEGScans = DecodeLimits.defaultMaxScans     // progressive scans in a JPEG (a CPU bomb) → 422
    public var maxJPEGMarkers = DecodeLimits.defaultMaxMarkers // marker segments in a JPEG → 422
    public var jpegScaling = DecodeSettings.JPEGScalingMode.exact // fast: decode large JPEGs reduced in the IDCT
    public var requestTimeout = 30.0               // seconds a request may wait for and spend in a worker → 503
    public var shutdownTimeout = 25.0              // seconds in-flight requests get after SIGTERM
    public var drainDelay = 0.0                    // seconds to keep accepting (readiness already failing) after SIGTERM
    public var headerTimeout = 10.0
    public var idleTimeout = 5.0
    public var maxConnections = 1024
    public var ioThreads = 1                       // HTTP event-loop threads (socket I/O only)
    public var logLevel = "info"                   // trace, debug, info, notice, warning, error, critical
    public var logFormat = LogFormat.text
    public var tlsCertificate: String? = nil
    public var tlsPrivateKey: String? = nil
    public var apiKeyFile: String? = nil           // one key per line; with it every non-public route needs a key (SIGHUP re-reads it)
    public var publicPaths = ServiceConfiguration.defaultPublicPaths  // route patterns that need no key
    public var cors: CORSPolicy? = nil             // --cors-origins: browsers on these origins may call

    /// What a probe, a scraper or a person opening the page needs without a key.
    public static let defaultPublicPaths = ["/", "/openapi.yaml", "/healthz", "/readyz", "/v2/health/live", "/v2/health/ready", "/metrics"]

    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public init() {}

    /// The decoding settings of a request (its orientation is the request's own).
    func decodeSettings(orientation: DecodeOptions.Orientation = .apply) -> DecodeSettings {
        DecodeSettings(limits: DecodeLimits(maxPixels: maxPixels, maxScans: maxJPEGScans, maxMarkers: maxJPEGMarkers),
                       orientation: orientation, jpegScaling: jpegScaling)
    }

    /// The HTTP server's configuration derived from this one, with the keys read from `apiKeyFile`.
    func server(apiKeys: APIKeys?) -> ServerConfiguration {
        var c = server
        c.apiKeys = apiKeys
        return c
    }

    /// The HTTP server's configuration derived from this one.
    var server: ServerConfiguration {
        var c = ServerConfiguration()
        c.host = host
        c.port = port
        c.limits.maxBodyBytes = maxBodyBytes
        c.maxBufferedBodyBytes = maxBufferedBodyBytes
        c.headerTimeout = headerTimeout
        c.idleTimeout = idleTimeout
        c.maxConnections = maxConnections
        c.ioQueues = ioThreads
        c.publicRoutes = publicPaths
        c.cors = cors
        if let cert = tlsCertificate, let key = tlsPrivateKey {
            c.tls = TLSConfiguration(certificatePath: cert, privateKeyPath: key)
        }
        return c
    }
}
