import ShuffleNet

/// The directory of a ZIP archive held in memory: enough for PyTorch ≥ 1.6 checkpoints, whose
/// entries are stored uncompressed. Compressed entries and ZIP64 are refused by name.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: Int           // 0 = stored
        let dataRange: Range<Int> // absolute offsets of the entry's bytes
    }

    let entries: [String: Entry]

    init(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        // The end-of-central-directory record sits in the last 22 + 65535 bytes.
        var eocd = -1
        var at = bytes.count - 22
        while at >= max(0, bytes.count - 22 - 65535) {
            if u32(at) == 0x0605_4B50 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw .checkpoint("zip: no end-of-central-directory record (truncated archive?)") }
        let count = u16(eocd + 10)
        let directoryOffset = u32(eocd + 16)
        guard directoryOffset != 0xFFFF_FFFF, count != 0xFFFF else { throw .checkpoint("zip: ZIP64 archives are not supported") }
        var entries: [String: Entry] = [:]
        var cursor = directoryOffset
        for index in 0..<count {
            guard cursor + 46 <= bytes.count, u32(cursor) == 0x0201_4B50 else {
                throw .checkpoint("zip: central directory entry \(index) at byte \(cursor) is damaged")
            }
            let method = u16(cursor + 10)
            let compressed = u32(cursor + 20), uncompressed = u32(cursor + 24)
            let nameLength = u16(cursor + 28), extraLength = u16(cursor + 30), commentLength = u16(cursor + 32)
            let localOffset = u32(cursor + 42)
            guard cursor + 46 + nameLength <= bytes.count else { throw .checkpoint("zip: entry \(index) name runs past the end") }
            let name = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, localOffset != 0xFFFF_FFFF else {
                throw .checkpoint("zip: entry '\(name)' uses ZIP64 sizes, which are not supported")
            }
            guard localOffset + 30 <= bytes.count, u32(localOffset) == 0x0403_4B50 else {
                throw .checkpoint("zip: local header of '\(name)' at byte \(localOffset) is damaged")
            }
            let start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard start + compressed <= bytes.count else {
                throw .truncated(what: "zip entry '\(name)'", needed: start + compressed, available: bytes.count)
            }
            entries[name] = Entry(name: name, method: method, dataRange: start..<(start + compressed))
            cursor += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    func storedData(_ name: String) throws(WeightsError) -> Range<Int> {
        guard let entry = entries[name] else { throw .checkpoint("zip: entry '\(name)' is missing") }
        guard entry.method == 0 else {
            throw .checkpoint("zip: entry '\(name)' is compressed (method \(entry.method)); PyTorch stores entries uncompressed")
        }
        return entry.dataRange
    }
}
