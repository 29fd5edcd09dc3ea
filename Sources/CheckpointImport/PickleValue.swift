/// The values a PyTorch state-dict pickle can build. Lists and dicts are reference types because
/// pickles mutate them after memoising (SETITEM on a dict fetched with BINGET).
public indirect enum PickleValue: @unchecked Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case bigInt([UInt8])                    // LONG1 too wide for Int: little-endian two's complement bytes
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(module: String, name: String) // an allow-listed callable or storage class, never resolved
    case storage(StorageReference)
    case tensor(TensorReference)

    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let module, let name): return "\(module).\(name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

public final class PickleList: PickleContainer {
    public var items: [PickleValue] = []

    func removeAll() { items.removeAll() }
    var values: [PickleValue] { items }
}

/// An insertion-ordered dict. Keys are kept as values; lookups are by string key (all state dicts need).
public final class PickleDict: PickleContainer {
    public var entries: [(key: PickleValue, value: PickleValue)] = []

    func removeAll() { entries.removeAll() }
    var values: [PickleValue] { entries.flatMap { [$0.key, $0.value] } }

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let name) = key, let at = entries.firstIndex(where: { if case .string(name) = $0.key { return true } else { return false } }) {
            entries[at].value = value
        } else {
            entries.append((key, value))
        }
    }

    public subscript(key: String) -> PickleValue? {
        entries.first { if case .string(key) = $0.key { return true } else { return false } }?.value
    }
}

/// A mutable pickle container: the only values that can end up inside themselves.
protocol PickleContainer: AnyObject {
    func removeAll()
    var values: [PickleValue] { get }
}

extension PickleContainer {
    /// The containers reachable from this one's values without passing through another container
    /// (tuples are looked through). An explicit stack: a hostile pickle can nest tuples deeply.
    var childContainers: [ObjectIdentifier] {
        var found: [ObjectIdentifier] = []
        var pending = values
        while let value = pending.popLast() {
            switch value {
            case .list(let list): found.append(ObjectIdentifier(list))
            case .dict(let dict): found.append(ObjectIdentifier(dict))
            case .tuple(let items): pending.append(contentsOf: items)
            default: break
            }
        }
        return found
    }

}

/// Whether any of `containers` reaches itself (Kahn's algorithm: a graph is acyclic exactly when
/// repeatedly removing nodes nothing points to removes them all). Linear in the values' size.
func containCycle(_ containers: [any PickleContainer]) -> Bool {
    var children: [ObjectIdentifier: [ObjectIdentifier]] = [:]
    var parents: [ObjectIdentifier: Int] = [:]
    for container in containers {
        let id = ObjectIdentifier(container)
        let found = container.childContainers
        children[id] = found
        parents[id, default: 0] += 0
        for child in found { parents[child, default: 0] += 1 }
    }
    var free = parents.filter { $0.value == 0 }.map(\.key)
    var removed = 0
    while let id = free.popLast() {
        removed += 1
        for child in children[id] ?? [] {
            parents[child]! -= 1
            if parents[child] == 0 { free.append(child) }
        }
    }
    return removed < parents.count
}

/// A tensor's storage as the pickle names it; the bytes live outside the pickle (a zip entry or after it).
public struct StorageReference: Sendable, Equatable {
    public let key: String
    public let dtype: TensorDType
}

/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`: a strided view of a storage.
public struct TensorReference: Sendable, Equatable {
    public let storage: StorageReference
    public let offset: Int   // elements
    public let shape: [Int]
    public let strides: [Int] // elements
}

/// Element types of PyTorch storages, with their safetensors names.
public enum TensorDType: String, Sendable, Equatable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", float64 = "F64", int64 = "I64", int32 = "I32"
    case int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"

    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// `torch.FloatStorage` → .float32, ...
    static let storageClasses: [String: TensorDType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]
}
