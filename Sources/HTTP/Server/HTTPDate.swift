import Foundation

/// IMF-fixdate for the Date header ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most once a second.
enum HTTPDate {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cached: (second: Int, text: String) = (-1, "")

    static var now: String {
        var t = time(nil)
        lock.lock()
        defer { lock.unlock() }
        if cached.second == t { return cached.text }
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let text = String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[Int(parts.tm_wday)], parts.tm_mday,
                          months[Int(parts.tm_mon)], parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
        cached = (t, text)
        return text
    }
}
