import Foundation
import HTTP

/// A real server on 127.0.0.1, port 0, with routes that exercise the protocol.
final class TestServer: @unchecked Sendable {
    let server: HTTPServer
    var port: UInt16 { server.port }
    private let recorded = EventRecorder()

    /// What the server reported after each response (its `onResponse`), in order.
    var events: [ResponseEvent] { recorded.all }

    init(host: String = "127.0.0.1", _ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = 0
        configure(&configuration)
        var router = Router()
        router.on("GET", "/hello", inline: { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "hello\n") })
        router.on("GET", "/items/{id}") { request in
            HTTPResponse(status: .ok, contentType: "text/plain", body: "item \(request.pathParameters["id"] ?? "?")")
        }
        router.on("POST", "/echo") { request in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream", "X-Request-Id-Seen": request.requestID], body: request.body)
        }
        router.on("POST", "/form") { request in
            do {
                let boundary = try MultipartParser.boundary(contentType: request.headers["Content-Type"] ?? "")
                let parts = try MultipartParser.parse(request.body, boundary: boundary)
                let summary = parts.map { ["name": $0.name ?? "", "filename": $0.filename ?? "", "type": $0.contentType ?? "", "bytes": $0.body.count] as [String: Any] }
                let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
                return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(data))
            } catch {
                return HTTPResponse.error(.badRequest, code: "bad_multipart", message: "\(error)")
            }
        }
        router.on("GET", "/big") { request in
            let size = Int(request.head.queryValue("bytes") ?? "") ?? 65536
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: (0..<size).map { UInt8(97 + $0 % 26) })
        }
        router.on("GET", "/slow") { request in
            let ms = UInt64(request.head.queryValue("ms") ?? "") ?? 300
            try? await Task.sleep(nanoseconds: ms * 1_000_000)
            return HTTPResponse(status: .ok, contentType: "text/plain", body: "slept \(ms) ms")
        }
        // What a handler learns of its request's trace and key, and the task-local context it runs under.
        router.on("GET", "/trace") { request in
            await Task.yield() // an asynchronous handler, as the service's are
            let current = TraceContext.current
            let seen: JSONValue = ["trace_id": .string(request.trace?.traceID ?? ""), "span_id": .string(request.trace?.spanID ?? ""),
                                   "task_trace_id": .string(current?.traceID ?? ""), "api_key": .string(request.apiKeyFingerprint ?? "")]
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: seen.bytes)
        }
        // An Open-Inference-Protocol-like prefix: its errors are {"error": "<message>"}.
        router.on("GET", "/v2/health/live", inline: { _ in HTTPResponse(status: .ok, contentType: "application/json", body: "{}") })
        router.on("POST", "/v2/models/{name}/infer") { request in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        router.renderErrors(under: "/v2", with: Self.v2Error)
        let recorder = recorded
        server = try HTTPServer(configuration: configuration, router: router) { recorder.append($0) }
        try server.start()
    }

    /// The V2 error shape the tests register for "/v2".
    static let v2Error: HTTPErrorRenderer = { error in
        var body = JSONValue.object([(key: "error", value: .string(error.message))]).bytes
        body.append(0x0A)
        return HTTPResponse(status: error.status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// Blocks until the server has stopped.
    func stop(grace: Double = 5) {
        let done = DispatchSemaphore(value: 0)
        Task { [server] in
            await server.shutdown(gracePeriod: grace)
            done.signal()
        }
        done.wait()
    }
}

final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ResponseEvent] = []

    func append(_ event: ResponseEvent) { lock.withLock { events.append(event) } }
    var all: [ResponseEvent] { lock.withLock { events } }
}
