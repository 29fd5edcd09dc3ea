import Foundation
import HTTP
import Logging

/// The `--api-key-file`: read at start (a bad file stops the start) and again when the service is asked to
/// reload it (a bad file then keeps the keys in force). Keys never reach a log: only their count and
/// fingerprints (`APIKeys.Key.fingerprint`, the first 12 hex digits of the key's SHA-256).
enum APIKeyFile {
    enum ReadError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalid(path: String, APIKeys.FileError)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): return "cannot read the API key file \(path): \(reason)"
            case .invalid(let path, let error): return "\(path): \(error)"
            }
        }
    }

    static func read(_ path: String) -> Result<APIKeys, ReadError> {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return .failure(.unreadable(path: path, reason: (error as NSError).localizedDescription))
        }
        do {
            return .success(try APIKeys(fileContents: text))
        } catch {
            return .failure(.invalid(path: path, error))
        }
    }

    /// The keys to start with: nil without a file; a file that cannot be read or holds no valid key stops the start.
    static func load(_ path: String?, logger: Logger) throws(ServiceError) -> APIKeys? {
        guard let path else { return nil }
        switch read(path) {
        case .success(let keys):
            logger.info("API keys loaded", metadata: metadata(path, keys))
            return keys
        case .failure(let error):
            throw .startup("\(error)")
        }
    }

    /// Re-reads `path` and swaps the server's keys; on failure the keys in force stay. True when swapped.
    static func reload(_ path: String, into server: HTTPServer, logger: Logger) -> Bool {
        switch read(path) {
        case .success(let keys):
            guard server.replaceAPIKeys(keys) else { return false }
            logger.notice("API keys reloaded", metadata: metadata(path, keys))
            return true
        case .failure(let error):
            logger.error("API keys not reloaded; the previous keys stay in force", metadata: ["reason": "\(error)"])
            return false
        }
    }

    private static func metadata(_ path: String, _ keys: APIKeys) -> Logger.Metadata {
        ["file": "\(path)", "keys": "\(keys.keys.count)", "fingerprints": "\(keys.keys.map(\.fingerprint).joined(separator: ","))"]
    }
}

/// The fields of the access-log line (`request`), one per response.
enum AccessLog {
    static func metadata(_ event: ResponseEvent) -> Logger.Metadata {
        var fields: Logger.Metadata = [
            "method": "\(event.method)", "path": "\(event.path)", "status": "\(event.status)",
            "duration_ms": "\(String(format: "%.2f", event.durationSeconds * 1000))", "request_id": "\(event.requestID)",
            "remote": "\(event.remoteAddress)",
        ]
        if let trace = event.trace {
            fields["trace_id"] = "\(trace.traceID)"
            fields["span_id"] = "\(trace.spanID)"
        }
        // The key by its fingerprint, never the key.
        if let fingerprint = event.apiKeyFingerprint { fields["api_key"] = "\(fingerprint)" }
        return fields
    }
}
