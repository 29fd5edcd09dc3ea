import MonotonicClock

/// Response bytes waiting for the socket, and when the last of them went out (for the write timeout).
struct OutboundBuffer {
    enum Flush { case done, wouldBlock, failed }

    private var bytes: [UInt8] = []
    private var offset = 0                  // bytes[..<offset] are written
    private(set) var lastProgress: Double   // seconds, monotonic

    init() {
        lastProgress = Monotonic.now()
    }

    var isEmpty: Bool { bytes.isEmpty }
    var hasUnwritten: Bool { offset < bytes.count }

    mutating func enqueue(_ more: [UInt8]) {
        if bytes.isEmpty { lastProgress = Monotonic.now() }
        bytes.append(contentsOf: more)
    }

    /// Writes as much as the transport takes; `.done` when everything is out.
    mutating func flush(to transport: Transport) -> Flush {
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { [offset] in transport.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard let n = result else { return .wouldBlock }
            guard n > 0 else { return .failed }
            offset += n
            lastProgress = Monotonic.now()
        }
        bytes.removeAll(keepingCapacity: bytes.count <= 64 * 1024)
        offset = 0
        return .done
    }
}
