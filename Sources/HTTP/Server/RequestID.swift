import Foundation

/// The ID a response carries in `ServerConfiguration.requestIDHeader`, for tying logs to requests.
enum RequestID {
    /// The client's ID if it is short and printable, else a new random one; "" when IDs are switched off
    /// (`header` empty).
    static func of(_ headers: HTTPHeaders, header: String) -> String {
        if header.isEmpty { return "" }
        if let given = headers[header], !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        var random = SystemRandomNumberGenerator()
        return String(format: "%016llx%016llx", random.next() as UInt64, random.next() as UInt64)
    }
}
