import Foundation
import HTTP
import Logging

/// One JSON object per line: {"level", "logger", "msg", "ts", ...metadata}, keys sorted. For log collectors.
/// A line logged while a request's handler runs also carries that request's `trace_id` and `span_id` (W3C
/// trace context, bound by the HTTP server), so it can be joined to the trace and the access-log line.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let write: @Sendable ([UInt8]) -> Void

    /// - Parameter write: where each line goes (with its newline); standard error unless told otherwise.
    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = { FileHandle.standardError.write(Data($0)) }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = ["ts": Self.timestamp(), "level": event.level.rawValue, "logger": label, "msg": event.message.description]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) where fields[key] == nil {
            fields[key] = value.description
        }
        if let trace = TraceContext.current, fields["trace_id"] == nil {
            fields["trace_id"] = trace.traceID
            fields["span_id"] = trace.spanID
        }
        var line = JSONValue.object(fields.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }).bytes
        line.append(0x0A)
        write(line)
    }

    /// UTC with milliseconds, e.g. 2026-11-29T22:15:30.123Z (RFC 3339).
    static func timestamp(_ now: timespec = { var t = timespec(); clock_gettime(CLOCK_REALTIME, &t); return t }()) -> String {
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(now.tv_nsec / 1_000_000))
    }
}
