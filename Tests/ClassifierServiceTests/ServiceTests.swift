import Foundation
import TestSupport
import XCTest

// MARK: - A curl-based client

struct Reply {
    let status: Int
    let headers: [String: String]
    let body: Data
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
}

func curl(_ arguments: [String]) throws -> Reply {
    let directory = FileManager.default.temporaryDirectory
    let id = UUID().uuidString
    let bodyPath = directory.appendingPathComponent("body-\(id)").path, headerPath = directory.appendingPathComponent("head-\(id)").path
    defer { try? FileManager.default.removeItem(atPath: bodyPath); try? FileManager.default.removeItem(atPath: headerPath) }
    let result = try runProcess("/usr/bin/env", ["curl", "-sS", "--max-time", "60", "-o", bodyPath, "-D", headerPath, "-w", "%{http_code}"] + arguments)
    guard result.status == 0 else { throw RawClientError.failed("curl failed: \(result.stderr)") }
    var headers: [String: String] = [:]
    for line in (try? String(contentsOfFile: headerPath, encoding: .utf8))?.components(separatedBy: "\r\n") ?? [] {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return Reply(status: Int(result.stdout) ?? 0, headers: headers, body: FileManager.default.contents(atPath: bodyPath) ?? Data())
}

func topOne(_ reply: Reply) -> [String: Any]? { (reply.json["predictions"] as? [[String: Any]])?.first }


/// `shufflenet serve` as a user runs it: a real process, real sockets, curl.
final class ServiceTests: XCTestCase {
    nonisolated(unsafe) static var shared: ServiceProcess?

    /// One service with both checkpoints for the tests that do not need special settings.
    func service() throws -> ServiceProcess {
        if let running = Self.shared { return running }
        let started = try ServiceProcess(models: [try ServiceModels.path("g3"), try ServiceModels.path("g8")], arguments: ["--workers", "2", "--queue-size", "128"])
        Self.shared = started
        return started
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        super.tearDown()
    }

    func testEachPhotoGetsTheReferenceTopOne() throws {
        let s = try service()
        let manifest = try XCTUnwrap(try SharedFixtures.manifest()["pretrained"] as? [[String: Any]])
        for entry in manifest {
            let groups = (entry["model"] as! String).contains("g8") ? "g8" : "g3"
            let image = entry["image"] as! String
            let expected = (entry["top5"] as! [[String: Any]])[0]
            let reply = try curl(["-F", "image=@\(try SharedFixtures.path(image))", "\(s.baseURL)/classify?model=shufflenet_v1_\(groups)_0.5x"])
            XCTAssertEqual(reply.status, 200, "\(groups) \(image): \(String(decoding: reply.body, as: UTF8.self))")
            let top = try XCTUnwrap(topOne(reply))
            XCTAssertEqual(top["label"] as? String, expected["label"] as? String, "\(groups) \(image)")
            XCTAssertEqual(top["synset"] as? String, expected["synset"] as? String)
            XCTAssertEqual(top["probability"] as! Double, expected["probability"] as! Double, accuracy: 1e-3)
            XCTAssertEqual((reply.json["predictions"] as? [Any])?.count, 5, "default top_k")
            let timings = try XCTUnwrap(reply.json["timings_ms"] as? [String: Double])
            XCTAssertEqual(Set(timings.keys), ["decode", "preprocess", "queue", "inference", "total"])
            XCTAssertGreaterThanOrEqual(timings["total"]!, timings["inference"]!)
            XCTAssertEqual(reply.json["model"] as? String, "shufflenet_v1_\(groups)_0.5x")
            XCTAssertNotNil(reply.headers["x-request-id"])
        }
    }

    func testRawBodiesAndEveryErrorStatus() throws {
        let s = try service()
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        let raw = try curl(["--data-binary", "@\(chelsea)", "-H", "Content-Type: image/png", "-H", "X-Request-Id: test-raw-1", "\(s.baseURL)/classify?top_k=1"])
        XCTAssertEqual(raw.status, 200)
        XCTAssertEqual(topOne(raw)?["label"] as? String, "Egyptian cat")
        XCTAssertEqual(raw.json["image"] as? [String: Int], ["width": 451, "height": 300])
        XCTAssertEqual(raw.headers["x-request-id"], "test-raw-1")

        let gif = try curl(["--data-binary", "GIF89a-not-much-more", "-H", "Content-Type: image/gif", "\(s.baseURL)/classify"])
        XCTAssertEqual(gif.status, 415)
        XCTAssertEqual(gif.errorCode, "unsupported_media_type")
        XCTAssertTrue(gif.errorMessage.contains("GIF"), gif.errorMessage)

        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let truncated = directory.appendingPathComponent("truncated.png").path
        let bytes = try SharedFixtures.data("images/chelsea.png")
        XCTAssertTrue(FileManager.default.createFile(atPath: truncated, contents: Data(bytes.prefix(bytes.count / 3))))
        let cut = try curl(["-F", "image=@\(truncated)", "\(s.baseURL)/classify"])
        XCTAssertEqual(cut.status, 422)
        XCTAssertEqual(cut.errorCode, "undecodable_image")

        let bomb = directory.appendingPathComponent("bomb.png").path
        let header = PNGWriter.signature + PNGWriter.ihdr(width: 100_000, height: 100_000) + PNGWriter.chunk("IDAT", PNGWriter.zlibStored([0, 0, 0, 0])) + PNGWriter.chunk("IEND", [])
        XCTAssertTrue(FileManager.default.createFile(atPath: bomb, contents: Data(header)))
        let large = try curl(["-F", "image=@\(bomb)", "\(s.baseURL)/classify"])
        XCTAssertEqual(large.status, 413)
        XCTAssertEqual(large.errorCode, "image_too_large")
        XCTAssertTrue(large.errorMessage.contains("100000×100000"), large.errorMessage)

        let noPart = try curl(["-F", "picture=@\(chelsea)", "\(s.baseURL)/classify"])
        XCTAssertEqual(noPart.status, 400)
        XCTAssertEqual(noPart.errorCode, "missing_image")
        XCTAssertTrue(noPart.errorMessage.contains("picture"), noPart.errorMessage)
        let empty = try curl(["-X", "POST", "\(s.baseURL)/classify"])
        XCTAssertEqual(empty.status, 400)
        let brokenForm = try curl(["--data-binary", "not a form", "-H", "Content-Type: multipart/form-data; boundary=zzz", "\(s.baseURL)/classify"])
        XCTAssertEqual(brokenForm.status, 400)
        XCTAssertEqual(brokenForm.errorCode, "malformed_multipart")
        let noBoundary = try curl(["--data-binary", "x", "-H", "Content-Type: multipart/form-data", "\(s.baseURL)/classify"])
        XCTAssertEqual(noBoundary.status, 400)
        let unknown = try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify?model=resnet"])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.errorCode, "unknown_model")

        for bad in ["0", "1001", "-3", "abc", "2.5", "99999999999999999999"] {
            let reply = try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify?top_k=\(bad)"])
            XCTAssertEqual(reply.status, 400, "top_k=\(bad)")
            XCTAssertEqual(reply.errorCode, "invalid_top_k")
        }
        for good in [1, 1000] {
            let reply = try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify?top_k=\(good)"])
            XCTAssertEqual((reply.json["predictions"] as? [Any])?.count, good)
        }
    }

    func testSixtyFourConcurrentRequestsAreAllAnswered() throws {
        let s = try service()
        let photos = ["chelsea": "Egyptian cat", "coffee": "espresso", "motorcycle_left": "moped"]
        let paths = try photos.keys.sorted().map { ($0, try SharedFixtures.path("images/\($0).png")) }
        let failures = LockedList<String>()
        concurrently(64) { i in
            let (name, path) = paths[i % paths.count]
            do {
                let reply = try curl(["-F", "image=@\(path)", "\(s.baseURL)/classify?top_k=1"])
                if reply.status != 200 || topOne(reply)?["label"] as? String != photos[name] {
                    failures.append("\(i) \(name): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                }
            } catch {
                failures.append("\(i): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
    }

    func testMetricsCountersMove() throws {
        let s = try service()
        func value(_ text: String, _ series: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        }
        let before = String(decoding: try curl(["\(s.baseURL)/metrics"]).body, as: UTF8.self)
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        _ = try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify"])
        _ = try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify"])
        _ = try curl(["--data-binary", "RIFF0000WEBPVP8 ", "-H", "Content-Type: image/webp", "\(s.baseURL)/classify"])
        let reply = try curl(["\(s.baseURL)/metrics"])
        XCTAssertTrue(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let after = String(decoding: reply.body, as: UTF8.self)
        let ok = #"shufflenet_http_requests_total{route="/classify",method="POST",status="200"}"#
        let refused = #"shufflenet_http_requests_total{route="/classify",method="POST",status="415"}"#
        XCTAssertEqual(value(after, ok) - value(before, ok), 2)
        XCTAssertEqual(value(after, refused) - value(before, refused), 1)
        let inferences = #"shufflenet_inference_duration_seconds_count{model="shufflenet_v1_g3_0.5x"}"#
        XCTAssertEqual(value(after, inferences) - value(before, inferences), 2)
        for name in ["shufflenet_http_request_duration_seconds_bucket", "shufflenet_queue_wait_seconds_count", "shufflenet_decode_duration_seconds_sum",
                     "shufflenet_queue_depth", "shufflenet_inflight_requests", "shufflenet_workers 2", "shufflenet_model_info{",
                     "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds", "process_open_fds"] {
            XCTAssertTrue(after.contains(name), "missing \(name)")
        }
    }

    func testHealthReadinessModelsAndSpec() throws {
        let s = try service()
        XCTAssertEqual(try curl(["\(s.baseURL)/healthz"]).json["status"] as? String, "ok")
        XCTAssertEqual(try curl(["\(s.baseURL)/readyz"]).json["status"] as? String, "ready")
        let models = try XCTUnwrap(try curl(["\(s.baseURL)/models"]).json["models"] as? [[String: Any]])
        XCTAssertEqual(models.map { $0["name"] as? String }, ["shufflenet_v1_g3_0.5x", "shufflenet_v1_g8_0.5x"])
        let g8 = try curl(["\(s.baseURL)/models/shufflenet_v1_g8_0.5x"]).json
        XCTAssertEqual(g8["groups"] as? Int, 8)
        XCTAssertEqual(g8["stage_widths"] as? [Int], [192, 384, 768])
        XCTAssertEqual(g8["num_classes"] as? Int, 1000)
        let arithmetic = PaperArithmetic(stem: 16, widths: [192, 384, 768], repeats: [4, 8, 4], groups: 8, classes: 1000, side: 224)
        XCTAssertEqual(g8["mflops"] as? Double ?? 0, arithmetic.mflops, accuracy: 0.005)
        XCTAssertEqual((g8["preprocessing"] as? [String: Any])?["channel_order"] as? String, "BGR")
        let missing = try curl(["\(s.baseURL)/models/nope"])
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.errorCode, "unknown_model")
        let spec = try curl(["\(s.baseURL)/openapi.yaml"])
        XCTAssertEqual(spec.body, FileManager.default.contents(atPath: SharedFixtures.repositoryRoot.appendingPathComponent("openapi.yaml").path),
                       "the embedded spec is openapi.yaml (rerun scripts/embed-assets.sh)")
        let page = try curl(["\(s.baseURL)/"])
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(page.body, FileManager.default.contents(atPath: SharedFixtures.repositoryRoot.appendingPathComponent("Sources/ClassifierService/Web/index.html").path),
                       "the embedded page is Web/index.html (rerun scripts/embed-assets.sh)")
        XCTAssertTrue(page.headers["content-security-policy"]?.contains("default-src 'none'") ?? false)
        XCTAssertFalse(String(decoding: page.body, as: UTF8.self).contains("http"), "the page loads nothing from elsewhere")
        XCTAssertEqual(try curl(["-X", "DELETE", "\(s.baseURL)/models"]).status, 405)
    }

    func testAFullQueueAnswers503WithRetryAfter() throws {
        let s = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1", "--queue-size", "1"])
        defer { XCTAssertEqual(s.stop(), 0) }
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        let statuses = LockedList<(Int, String?, String?)>()
        concurrently(10) { _ in
            if let reply = try? curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify"]) {
                statuses.append((reply.status, reply.headers["retry-after"], reply.errorCode))
            }
        }
        let all = statuses.all
        XCTAssertEqual(all.count, 10, "every request was answered")
        XCTAssertTrue(all.allSatisfy { $0.0 == 200 || $0.0 == 503 }, "\(all.map(\.0))")
        let refused = all.filter { $0.0 == 503 }
        XCTAssertFalse(refused.isEmpty, "one worker and one queue slot cannot take ten at once")
        XCTAssertTrue(refused.allSatisfy { $0.1 == "1" && $0.2 == "queue_full" })
        XCTAssertGreaterThanOrEqual(all.filter { $0.0 == 200 }.count, 2)
    }

    func testShutdownFailsReadinessAndFinishesInFlightRequests() throws {
        let s = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1", "--queue-size", "16", "--drain-delay", "1.5"])
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        let results = LockedList<Int>()
        let inFlight = Thread {
            concurrently(4) { _ in
                if let reply = try? curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify"]) { results.append(reply.status) }
            }
        }
        inFlight.start()
        Thread.sleep(forTimeInterval: 0.2)
        s.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        let ready = try curl(["\(s.baseURL)/readyz"])
        XCTAssertEqual(ready.status, 503, "readiness fails at once")
        XCTAssertEqual(ready.json["reason"] as? String, "shutting down")
        XCTAssertEqual(try curl(["-F", "image=@\(chelsea)", "\(s.baseURL)/classify"]).status, 200, "served during the drain delay")
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertThrowsError(try RawClient(port: s.port), "after the drain delay new connections are refused")
        while results.all.count < 4 && s.process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(results.all, [200, 200, 200, 200], "in-flight requests completed")
        XCTAssertEqual(s.stop(), 0, "exit status 0")
        XCTAssertTrue(s.log.contains("stopped"))
    }

    func testStartupFaultsExitNonZeroWithAMessage() throws {
        let missing = try runProcess(ServiceProcess.binary, ["serve", "--port", "0", "--model", "/nonexistent/model.safetensors"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("cannot load model /nonexistent/model.safetensors"), missing.stderr)
        let s = try service()
        let busy = try runProcess(ServiceProcess.binary, ["serve", "--host", "127.0.0.1", "--port", String(s.port), "--model", try ServiceModels.path("g3")])
        XCTAssertNotEqual(busy.status, 0)
        XCTAssertTrue(busy.stderr.contains("Address already in use"), busy.stderr)
        let badFlag = try runProcess(ServiceProcess.binary, ["serve", "--workers", "0"])
        XCTAssertNotEqual(badFlag.status, 0)
        XCTAssertTrue(badFlag.stderr.contains("workers must be at least 1"), badFlag.stderr)
        let badEnv = try runProcess(ServiceProcess.binary, ["serve"], environment: ["SHUFFLENET_PORT": "eighty"])
        XCTAssertTrue(badEnv.stderr.contains("SHUFFLENET_PORT='eighty' is not valid"), badEnv.stderr)
    }
}
