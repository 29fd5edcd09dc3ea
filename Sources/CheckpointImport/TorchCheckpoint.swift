import ShuffleNet

/// A tensor read from a checkpoint: contiguous little-endian bytes, C order.
public struct CheckpointTensor: Sendable {
    public let name: String
    public let dtype: TensorDType
    public let shape: [Int]
    public let data: [UInt8]

    /// Elements as Float32 (for F32, F16, BF16, F64); nil for integer tensors.
    public var floats: [Float]? {
        let count = shape.reduce(1, *)
        return data.withUnsafeBytes { raw -> [Float]? in
            switch dtype {
            case .float32: return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .float16: return (0..<count).map { HalfFloat.toFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            case .bfloat16: return (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
            case .float64: return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
            default: return nil
            }
        }
    }
}

/// Reads the state dict out of a `torch.save` file without Python: the legacy format (PyTorch < 1.6,
/// a run of pickles followed by raw storages) and the zip format (PyTorch ≥ 1.6).
public enum TorchCheckpoint {
    /// 0x1950a86a20f9469cfc6c, the legacy format's magic number, as LONG1 little-endian bytes.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public static func isLegacy(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x80 && bytes[2] == 0x8A && bytes[3] == 0x0A
    }

    public static func isZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    // MARK: - Legacy

    public static func readLegacy(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> [CheckpointTensor] {
        var storages: [String: StorageReference] = [:]
        var unpickler = RestrictedUnpickler(bytes: bytes) { (id) throws(WeightsError) in
            try storageReference(id, registry: &storages)
        }
        guard case .bigInt(let magic) = try unpickler.load(), magic == legacyMagic else {
            throw .checkpoint("not a legacy torch.save file: wrong magic number")
        }
        guard case .int(let version) = try unpickler.load(), version == 1001 else {
            throw .checkpoint("unsupported legacy protocol version (expected 1001)")
        }
        if case .dict(let info) = try unpickler.load(), case .bool(false)? = info["little_endian"] {
            throw .checkpoint("big-endian checkpoints are not supported")
        }
        let root = try unpickler.load()
        guard case .list(let keyList) = try unpickler.load() else { throw .checkpoint("the storage key list is missing") }

        // Storages follow in key-list order, each as i64 element count + raw bytes.
        var offset = unpickler.position
        var storageBytes: [String: Range<Int>] = [:]
        for item in keyList.items {
            guard case .string(let key) = item, let storage = storages[key] else {
                throw .checkpoint("storage key list names a storage the pickle never used")
            }
            guard offset + 8 <= bytes.count else { throw .truncated(what: "storage '\(key)' size", needed: offset + 8, available: bytes.count) }
            let count = Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
            guard count >= 0, count <= (bytes.count - offset - 8) / storage.dtype.size else {
                // The count is untrusted: saturate rather than overflow while describing it.
                let (size, overflow) = max(0, count).multipliedReportingOverflow(by: storage.dtype.size)
                throw .truncated(what: "storage '\(key)' (\(count) elements)", needed: overflow ? Int.max : offset + 8 + size, available: bytes.count)
            }
            storageBytes[key] = (offset + 8)..<(offset + 8 + count * storage.dtype.size)
            offset += 8 + count * storage.dtype.size
        }
        return try collectTensors(root, bytes: bytes, storages: storageBytes)
    }

    // MARK: - Zip

    public static func readZip(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> [CheckpointTensor] {
        let archive = try ZipArchive(bytes)
        guard let pickleName = archive.entries.keys.sorted().first(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) else {
            throw .checkpoint("zip checkpoint has no data.pkl")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        let pickleRange = try archive.storedData(pickleName)
        var storages: [String: StorageReference] = [:]
        var unpickler = RestrictedUnpickler(bytes: UnsafeRawBufferPointer(rebasing: bytes[pickleRange])) { (id) throws(WeightsError) in
            try storageReference(id, registry: &storages)
        }
        let root = try unpickler.load()
        var storageBytes: [String: Range<Int>] = [:]
        for key in storages.keys { storageBytes[key] = try archive.storedData("\(prefix)data/\(key)") }
        return try collectTensors(root, bytes: bytes, storages: storageBytes)
    }

    // MARK: - Shared

    /// `('storage', torch.FloatStorage, key, location, numel[, view_metadata])` → a storage reference.
    private static func storageReference(_ id: PickleValue, registry: inout [String: StorageReference]) throws(WeightsError) -> PickleValue {
        guard case .tuple(let parts) = id, parts.count >= 5, case .string("storage") = parts[0],
              case .global(_, let className) = parts[1], let dtype = TensorDType.storageClasses[className],
              case .string(let key) = parts[2] else {
            throw .checkpoint("unexpected persistent id (only tensor storages are allowed)")
        }
        let reference = StorageReference(key: key, dtype: dtype)
        registry[key] = reference
        return .storage(reference)
    }

    /// Finds the state dict (the root, or its 'state_dict' / 'model' entry) and materialises every tensor.
    private static func collectTensors(_ root: PickleValue, bytes: UnsafeRawBufferPointer, storages: [String: Range<Int>]) throws(WeightsError) -> [CheckpointTensor] {
        guard case .dict(var dict) = root else { throw .checkpoint("the checkpoint holds a \(root.typeName), not a dict") }
        for wrapper in ["state_dict", "model"] {
            if case .dict(let inner)? = dict[wrapper] { dict = inner; break }
        }
        var tensors: [CheckpointTensor] = []
        for (key, value) in dict.entries {
            guard case .string(let name) = key, case .tensor(let reference) = value else { continue }
            guard let range = storages[reference.storage.key] else {
                throw .checkpoint("tensor '\(name)' refers to storage '\(reference.storage.key)', which has no data")
            }
            tensors.append(try materialise(name: name, reference, storage: UnsafeRawBufferPointer(rebasing: bytes[range])))
        }
        guard !tensors.isEmpty else { throw .checkpoint("no tensors found in the state dict") }
        return tensors
    }

    /// Copies a strided view out of its storage into contiguous C order, checking every index is in bounds.
    private static func materialise(name: String, _ t: TensorReference, storage: UnsafeRawBufferPointer) throws(WeightsError) -> CheckpointTensor {
        let size = t.storage.dtype.size
        let available = storage.count / size
        // Shapes, strides and offsets come from the pickle: every product and sum is checked, and the view
        // must lie inside its storage before anything is allocated for it.
        var count = 1, last = t.offset
        for (dim, stride) in zip(t.shape, t.strides) {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= available else {
                throw .checkpoint("tensor '\(name)' \(t.shape) has more elements than its \(available)-element storage")
            }
            count = product
            if dim > 0 {
                let (step, overflowStep) = (dim - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflowSum) = last.addingReportingOverflow(step)
                guard !overflowStep, !overflowSum else { throw .checkpoint("tensor '\(name)' has strides \(t.strides) that overflow") }
                last = sum
            }
        }
        if count > 0 {
            guard last < available else {
                throw .checkpoint("tensor '\(name)' \(t.shape) reaches element \(last) of a \(available)-element storage")
            }
        }
        var data = [UInt8](repeating: 0, count: count * size)
        var index = [Int](repeating: 0, count: t.shape.count)
        for element in 0..<count {
            let source = t.offset + zip(index, t.strides).reduce(0) { $0 + $1.0 * $1.1 }
            for b in 0..<size { data[element * size + b] = storage[source * size + b] }
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < t.shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return CheckpointTensor(name: name, dtype: t.storage.dtype, shape: t.shape, data: data)
    }
}
