// Serves a fixed small response with the project's HTTP server, for load comparisons with nginx.
// Usage: http-fixed-response PORT [IO_QUEUES]
import Dispatch
import Foundation
import HTTP

let arguments = CommandLine.arguments
var configuration = ServerConfiguration()
configuration.host = "127.0.0.1"
configuration.port = UInt16(arguments.count > 1 ? arguments[1] : "8081") ?? 8081
configuration.ioQueues = arguments.count > 2 ? Int(arguments[2]) ?? 2 : 2
configuration.requestIDHeader = ""  // nginx adds none either
let body = Array("hello from shufflenet-serve\n".utf8)
var router = Router()
router.on("GET", "/", inline: { _ in HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: body) })

do {
    let server = try HTTPServer(configuration: configuration, router: router)
    try server.start()
    print("listening on 127.0.0.1:\(server.port)")
    FileHandle.standardOutput.synchronizeFile()
    let stop = DispatchSemaphore(value: 0)
    signal(SIGTERM, SIG_IGN)
    let sigterm = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
    sigterm.setEventHandler { stop.signal() }
    sigterm.resume()
    DispatchQueue.global().async {
        stop.wait()
        Task {
            await server.shutdown(gracePeriod: 2)
            exit(0)
        }
    }
    dispatchMain()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
