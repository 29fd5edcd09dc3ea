import ShuffleNet

/// A pickle virtual machine that understands only what a PyTorch state dict needs: containers, numbers,
/// strings, and four allow-listed callables. It never imports or calls anything; any other global or
/// opcode is refused with its name and offset.
struct RestrictedUnpickler {
    /// Turns a persistent id (BINPERSID) into a value; the container format supplies it.
    typealias PersistentLoader = (PickleValue) throws(WeightsError) -> PickleValue

    static let allowedGlobals: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
    ]

    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private let persistentLoad: PersistentLoader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every list and dict this load created. A pickle can put a container inside itself (BINGET then
    /// APPEND), which ARC would never free; they are checked for cycles and emptied on the way out.
    private var containers: [any PickleContainer] = []

    init(bytes: UnsafeRawBufferPointer, at offset: Int = 0, persistentLoad: @escaping PersistentLoader) {
        self.bytes = bytes
        self.position = offset
        self.persistentLoad = persistentLoad
    }

    /// Runs until STOP and returns the top of the stack; `position` is then just past the STOP opcode.
    /// A value in which a list or dict contains itself is refused: no state dict has one, and leaving
    /// the cycle in place would leak it.
    mutating func load() throws(WeightsError) -> PickleValue {
        stack.removeAll()
        marks.removeAll()
        memo.removeAll()
        containers.removeAll()
        defer { stack.removeAll(); memo.removeAll(); containers.removeAll() }
        do throws(WeightsError) {
            let value = try run()
            if containCycle(containers) { throw fail("a list or dict contains itself", position) }
            return value
        } catch {
            for container in containers { container.removeAll() } // breaks any cycle so ARC can free it
            throw error
        }
    }

    private mutating func run() throws(WeightsError) -> PickleValue {
        while true {
            let at = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                     // PROTO n
            case 0x95: _ = try take(8)                                    // FRAME (protocol 4)
            case 0x2E:                                                    // STOP
                guard let top = stack.popLast(), marks.isEmpty else { throw fail("STOP with an empty stack or open MARK", at) }
                return top
            case 0x28: marks.append(stack.count)                         // MARK
            case 0x7D: stack.append(.dict(track(PickleDict())))          // EMPTY_DICT
            case 0x5D: stack.append(.list(track(PickleList())))          // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                          // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popToMark(at)))           // TUPLE
            case 0x85: stack.append(.tuple(try pop(1, at)))              // TUPLE1
            case 0x86: stack.append(.tuple(try pop(2, at)))              // TUPLE2
            case 0x87: stack.append(.tuple(try pop(3, at)))              // TUPLE3
            case 0x4E: stack.append(.none)                               // NONE
            case 0x88: stack.append(.bool(true))                         // NEWTRUE
            case 0x89: stack.append(.bool(false))                        // NEWFALSE
            case 0x4B: stack.append(.int(Int(try byte())))               // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2))))      // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4))))) // BININT
            case 0x8A: stack.append(try long1(at))                       // LONG1
            case 0x47:                                                   // BINFLOAT (big-endian)
                let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.float(Double(bitPattern: raw)))
            case 0x58: stack.append(.string(try text(Int(try littleEndian(4)), at)))  // BINUNICODE
            case 0x8C: stack.append(.string(try text(Int(try byte()), at)))          // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try text(try length8(at), at)))          // BINUNICODE8
            case 0x42: stack.append(.bytes(try take(Int(try littleEndian(4)))))      // BINBYTES
            case 0x43: stack.append(.bytes(try take(Int(try byte()))))               // SHORT_BINBYTES
            case 0x71: try memoize(Int(try byte()), at)                  // BINPUT
            case 0x72: try memoize(Int(try littleEndian(4)), at)         // LONG_BINPUT
            case 0x94: try memoize(memo.count, at)                       // MEMOIZE
            case 0x68: try recall(Int(try byte()), at)                   // BINGET
            case 0x6A: try recall(Int(try littleEndian(4)), at)          // LONG_BINGET
            case 0x73:                                                   // SETITEM
                let pair = try pop(2, at)
                try dict(at).set(pair[0], pair[1])
            case 0x75:                                                   // SETITEMS
                let items = try popToMark(at)
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items", at) }
                let target = try dict(at)
                for i in stride(from: 0, to: items.count, by: 2) { target.set(items[i], items[i + 1]) }
            case 0x61:                                                   // APPEND
                let item = try pop(1, at)[0]
                try list(at).items.append(item)
            case 0x65:                                                   // APPENDS
                let items = try popToMark(at)
                try list(at).items.append(contentsOf: items)
            case 0x63:                                                   // GLOBAL "module\nname\n"
                let module = try line(at), name = try line(at)
                stack.append(try global(module, name, at))
            case 0x93:                                                   // STACK_GLOBAL
                let pair = try pop(2, at)
                guard case .string(let module) = pair[0], case .string(let name) = pair[1] else {
                    throw fail("STACK_GLOBAL needs two strings", at)
                }
                stack.append(try global(module, name, at))
            case 0x52:                                                   // REDUCE
                let pair = try pop(2, at)
                guard case .tuple(let args) = pair[1] else { throw fail("REDUCE arguments are not a tuple", at) }
                stack.append(try call(pair[0], args, at))
            case 0x62:                                                   // BUILD: state on an OrderedDict or tensor is dropped
                let pair = try pop(2, at)
                switch pair[0] {
                case .dict, .tensor: stack.append(pair[0])
                default: throw fail("BUILD on a \(pair[0].typeName) is not allowed", at)
                }
            case 0x51:                                                   // BINPERSID
                let id = try pop(1, at)[0]
                stack.append(try persistentLoad(id))
            default:
                throw fail(String(format: "unexpected pickle opcode 0x%02X", op), at)
            }
        }
    }

    // MARK: - Allow-listed callables

    private func global(_ module: String, _ name: String, _ at: Int) throws(WeightsError) -> PickleValue {
        let full = "\(module).\(name)"
        if Self.allowedGlobals.contains(full) || (module == "torch" && TensorDType.storageClasses[name] != nil) {
            return .global(module: module, name: name)
        }
        throw fail("refusing global '\(full)': a state dict needs only tensors, dicts and numbers", at)
    }

    private mutating func call(_ callable: PickleValue, _ args: [PickleValue], _ at: Int) throws(WeightsError) -> PickleValue {
        guard case .global(let module, let name) = callable else { throw fail("REDUCE on a \(callable.typeName)", at) }
        switch "\(module).\(name)" {
        case "collections.OrderedDict":
            return .dict(track(PickleDict()))
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let shape = ints(args[2]), let strides = ints(args[3]), shape.count == strides.count, offset >= 0,
                  shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
                throw fail("malformed _rebuild_tensor arguments", at)
            }
            return .tensor(TensorReference(storage: storage, offset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter":
            guard let first = args.first, case .tensor = first else { throw fail("_rebuild_parameter without a tensor", at) }
            return first
        default:
            throw fail("calling '\(module).\(name)' is not allowed", at)
        }
    }

    private func ints(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let v) = item else { return nil }
            result.append(v)
        }
        return result
    }

    // MARK: - Stack and memo

    private mutating func track<Container: PickleContainer>(_ container: Container) -> Container {
        containers.append(container)
        return container
    }

    private mutating func pop(_ count: Int, _ at: Int) throws(WeightsError) -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - count >= floor else { throw fail("stack underflow", at) }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        return items
    }

    private mutating func popToMark(_ at: Int) throws(WeightsError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK to pop to", at) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func dict(_ at: Int) throws(WeightsError) -> PickleDict {
        guard case .dict(let d)? = stack.last else { throw fail("SETITEM target is not a dict", at) }
        return d
    }

    private func list(_ at: Int) throws(WeightsError) -> PickleList {
        guard case .list(let l)? = stack.last else { throw fail("APPEND target is not a list", at) }
        return l
    }

    private mutating func memoize(_ index: Int, _ at: Int) throws(WeightsError) {
        guard let top = stack.last else { throw fail("PUT with an empty stack", at) }
        memo[index] = top
    }

    private mutating func recall(_ index: Int, _ at: Int) throws(WeightsError) {
        guard let value = memo[index] else { throw fail("GET of memo \(index), which was never stored", at) }
        stack.append(value)
    }

    // MARK: - Reading bytes

    private func fail(_ why: String, _ at: Int) -> WeightsError {
        .checkpoint("pickle: \(why) (at byte \(at))")
    }

    private mutating func byte() throws(WeightsError) -> UInt8 {
        guard position < bytes.count else { throw .truncated(what: "the pickle stream", needed: position + 1, available: bytes.count) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ count: Int) throws(WeightsError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else {
            throw .truncated(what: "a \(count)-byte pickle field", needed: position + count, available: bytes.count)
        }
        let start = position
        position += count
        guard count > 0, let base = bytes.baseAddress else { return [] }
        // An explicit copy into storage initialised in place: the optimised `Array(bytes[a..<b])` with a
        // `defer` here was seen (AddressSanitizer, libFuzzer) writing into an array buffer already released.
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base + start, byteCount: count)
            initialized = count
        }
    }

    private mutating func littleEndian(_ count: Int) throws(WeightsError) -> UInt64 {
        try take(count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func length8(_ at: Int) throws(WeightsError) -> Int {
        let n = try littleEndian(8)
        guard n <= UInt64(bytes.count) else { throw fail("string length \(n) exceeds the file", at) }
        return Int(n)
    }

    private mutating func text(_ count: Int, _ at: Int) throws(WeightsError) -> String {
        let raw = try take(count)
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8", at) }
        return s
    }

    private mutating func line(_ at: Int) throws(WeightsError) -> String {
        var raw: [UInt8] = []
        while true {
            let b = try byte()
            if b == 0x0A { break }
            raw.append(b)
            if raw.count > 256 { throw fail("GLOBAL name longer than 256 bytes", at) }
        }
        return String(decoding: raw, as: UTF8.self)
    }

    private mutating func long1(_ at: Int) throws(WeightsError) -> PickleValue {
        let raw = try take(Int(try byte()))
        if raw.isEmpty { return .int(0) }
        if raw.count > 8 { return .bigInt(raw) }
        var value = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if raw.last! & 0x80 != 0, raw.count < 8 { value |= ~UInt64(0) << (8 * UInt64(raw.count)) } // sign-extend
        return .int(Int(Int64(bitPattern: value)))
    }
}
