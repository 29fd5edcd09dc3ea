import Foundation

/// The standard Prometheus process metrics, read from /proc (Linux).
struct ProcessStats {
    var residentBytes: Double = 0
    var virtualBytes: Double = 0
    var cpuSeconds: Double = 0
    var startTimeSeconds: Double = 0   // Unix time
    var openFDs: Double = 0
    var maxFDs: Double = 0

    static func read() -> ProcessStats {
        var stats = ProcessStats()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        // /proc/self/stat: fields after the command name's closing parenthesis.
        if let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = text.lastIndex(of: ")") {
            let fields = text[text.index(after: close)...].split(separator: " ").map(String.init)
            // fields[0] is state (field 3); utime = field 14, stime = 15, starttime = 22, vsize = 23, rss = 24.
            func field(_ n: Int) -> Double { Double(fields[n - 3]) ?? 0 }
            if fields.count > 22 {
                stats.cpuSeconds = (field(14) + field(15)) / ticks
                stats.virtualBytes = field(23)
                stats.residentBytes = field(24) * page
                stats.startTimeSeconds = bootTime() + field(22) / ticks
            }
        }
        stats.openFDs = Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { stats.maxFDs = Double(limit.rlim_cur) }
        return stats
    }

    private static func bootTime() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }) else { return 0 }
        return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
    }
}
