/// Reads the orientation tag where Pillow's `Image.getexif()` finds it, bounds-checked at every step: in IFD0 of
/// the TIFF structure carried by APP1 "Exif\0\0" segments, else in the XMP packet (`tiff:Orientation`).
/// Anything malformed, or a value outside 1…8, means "no orientation", as it makes `exif_transpose` a no-op.
enum ExifOrientationParser {
    static let orientationTag: UInt16 = 0x0112

    /// What IFD0 says: no orientation entry (then Pillow looks in XMP), or an entry whose value is an
    /// orientation or not (e.g. 0, 9, or several values: Pillow then leaves the image as stored).
    enum Lookup: Equatable {
        case absent
        case present(ExifOrientation?)
    }

    /// Bytes per value of each TIFF type Pillow reads (others are skipped as if absent).
    static let typeSizes: [Int: Int] = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8]

    /// `tiff`: the TIFF structure ("II*\0" or "MM\0*", the offset of IFD0, then the IFDs); offsets count from
    /// its first byte.
    static func orientation(tiff: ArraySlice<UInt8>) -> Lookup {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return .absent }
        let littleEndian: Bool
        switch (bytes[0], bytes[1], bytes[2], bytes[3]) {
        case (0x49, 0x49, 0x2A, 0x00): littleEndian = true
        case (0x4D, 0x4D, 0x00, 0x2A): littleEndian = false
        default: return .absent
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            let a = Int(bytes[at]), b = Int(bytes[at + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let low = u16(littleEndian ? at : at + 2), let high = u16(littleEndian ? at + 2 : at) else { return nil }
            return high << 16 | low
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return .absent }
        // Entries: tag u16, type u16, count u32, then the value (≤ 4 bytes inline) or its offset. The first
        // readable entry with the tag counts (Pillow skips repeats); an entry cut off by the end of the data ends
        // the directory.
        for index in 0..<count {
            let entry = ifd + 2 + index * 12
            guard let tag = u16(entry), let type = u16(entry + 2), let values = u32(entry + 4), entry + 12 <= bytes.count else {
                return .absent
            }
            guard tag == orientationTag, let unit = typeSizes[type], values > 0 else { continue }
            if values * unit > 4 {
                guard let offset = u32(entry + 8), offset + values * unit <= bytes.count else { continue }
            }
            // One integer value, else no orientation (Pillow makes a tuple of several values).
            guard values == 1 else { return .present(nil) }
            let value: Int?
            switch type {
            case 1, 6: value = Int(bytes[entry + 8])  // BYTE, SBYTE
            case 3, 8: value = u16(entry + 8)         // SHORT, SSHORT
            case 4, 9: value = u32(entry + 8)         // LONG, SLONG
            default: value = nil
            }
            return .present(value.flatMap { ExifOrientation(rawValue: $0) })
        }
        return .absent
    }

    /// Pillow's fallback when EXIF has no orientation: the first `tiff:Orientation="N"` or
    /// `tiff:Orientation>N` (one digit) in the XMP packet.
    static func orientation(xmp: ArraySlice<UInt8>) -> ExifOrientation? {
        let key = Array("tiff:Orientation".utf8)
        var i = xmp.startIndex
        while i + key.count + 1 < xmp.endIndex {
            if xmp[i] == key[0], xmp[i..<i + key.count].elementsEqual(key) {
                var j = i + key.count
                if xmp[j] == UInt8(ascii: "=") && xmp[j + 1] == UInt8(ascii: "\"") {
                    j += 2
                } else if xmp[j] == UInt8(ascii: ">") {
                    j += 1
                } else {
                    i += 1
                    continue
                }
                guard j < xmp.endIndex, xmp[j] >= UInt8(ascii: "0"), xmp[j] <= UInt8(ascii: "9") else {
                    i += 1
                    continue
                }
                return ExifOrientation(rawValue: Int(xmp[j] - UInt8(ascii: "0")))
            }
            i += 1
        }
        return nil
    }
}
