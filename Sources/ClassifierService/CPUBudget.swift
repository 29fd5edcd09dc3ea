import Foundation

/// How many CPUs this process may really use: the affinity mask (`Cpus_allowed_list`) capped by the
/// cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us / cpu.cfs_period_us`), rounded up, at least 1.
/// A container limited to 2 CPUs on a 64-core node must size its pool for 2, not 64.
public enum CPUBudget {
    public static func available(procStatus: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                                 cgroupFiles: [String: String] = readCgroupFiles()) -> Int {
        var count = ProcessInfo.processInfo.activeProcessorCount
        if let status = procStatus, let affinity = affinityCount(procStatus: status) { count = min(count, affinity) }
        if let quota = quotaCPUs(cgroupFiles) { count = min(count, quota) }
        return max(1, count)
    }

    /// CPUs in `Cpus_allowed_list: 0-3,8,10-11`.
    static func affinityCount(procStatus: String) -> Int? {
        guard let line = procStatus.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var total = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2 { total += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { total += 1 }
        }
        return total > 0 ? total : nil
    }

    /// ceil(quota / period) from cgroup v2 `cpu.max` ("max 100000" means unlimited) or cgroup v1.
    static func quotaCPUs(_ files: [String: String]) -> Int? {
        if let max = files["cpu.max"] {
            let parts = max.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), quota > 0, period > 0 {
                return Int((quota / period).rounded(.up))
            }
            return nil
        }
        if let quotaText = files["cpu.cfs_quota_us"], let periodText = files["cpu.cfs_period_us"],
           let quota = Double(quotaText.trimmingCharacters(in: .whitespacesAndNewlines)),
           let period = Double(periodText.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0, period > 0 {
            return Int((quota / period).rounded(.up))
        }
        return nil
    }

    /// Reads this process's cgroup CPU files (v2 unified hierarchy, or v1 cpu controller).
    public static func readCgroupFiles() -> [String: String] {
        var files: [String: String] = [:]
        guard let cgroup = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return files }
        for line in cgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[0] == "0" && parts[1].isEmpty {
                if let text = try? String(contentsOfFile: "/sys/fs/cgroup\(path)/cpu.max", encoding: .utf8) { files["cpu.max"] = text }
            } else if parts[1].split(separator: ",").contains("cpu") {
                for name in ["cpu.cfs_quota_us", "cpu.cfs_period_us"] {
                    for base in ["/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"] {
                        if let text = try? String(contentsOfFile: "\(base)\(path)/\(name)", encoding: .utf8) { files[name] = text; break }
                    }
                }
            }
        }
        return files
    }
}
