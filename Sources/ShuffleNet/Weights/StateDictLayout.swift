/// The PyTorch `state_dict` names and shapes of Megvii's ShuffleNetV1 module for a config.
/// Conv weights are OIHW: [out, in/groups, kH, kW]; BN tensors are [channels].
public enum StateDictLayout {
    public static let bnSuffixes = ["weight", "bias", "running_mean", "running_var"]

    /// Every float tensor the network needs, in module order (num_batches_tracked is optional and ignored).
    public static func expectedShapes(_ config: ShuffleNetConfig) -> [(name: String, shape: [Int])] {
        var list: [(String, [Int])] = []
        func bn(_ prefix: String, _ channels: Int) {
            for suffix in bnSuffixes { list.append(("\(prefix).\(suffix)", [channels])) }
        }
        list.append(("first_conv.0.weight", [config.stem, 3, 3, 3]))
        bn("first_conv.1", config.stem)
        for unit in config.units {
            let p = "features.\(unit.index)"
            list.append(("\(p).branch_main_1.0.weight", [unit.mid, unit.inChannels / unit.firstPointwiseGroups, 1, 1]))
            bn("\(p).branch_main_1.1", unit.mid)
            list.append(("\(p).branch_main_1.3.weight", [unit.mid, 1, 3, 3]))
            bn("\(p).branch_main_1.4", unit.mid)
            list.append(("\(p).branch_main_2.0.weight", [unit.branchChannels, unit.mid / unit.groups, 1, 1]))
            bn("\(p).branch_main_2.1", unit.branchChannels)
            if unit.seReduction != nil {
                let c = unit.branchChannels, m = unit.seChannels
                list.append(("\(p).se.fc1.weight", [m, c, 1, 1]))
                list.append(("\(p).se.fc1.bias", [m]))
                list.append(("\(p).se.fc2.weight", [c, m, 1, 1]))
                list.append(("\(p).se.fc2.bias", [c]))
            }
        }
        list.append(("classifier.0.weight", [config.classes, config.widths.last ?? 0]))
        return list
    }

    /// Recovers the architecture from tensor shapes alone (for checkpoints without metadata).
    /// Stride is read from the channel arithmetic: a stride-1 unit's branch returns its input width,
    /// a stride-2 unit's branch adds `out − in` channels with mid = out/4.
    public static func inferConfig(shapes: [String: [Int]], inputSize: Int = 224) throws(WeightsError) -> ShuffleNetConfig {
        func shape(_ name: String, rank: Int) throws(WeightsError) -> [Int] {
            guard let s = shapes[name] else { throw .missingTensor(name: name, expectedShape: []) }
            guard s.count == rank else { throw .architecture("cannot infer the architecture: '\(name)' has rank \(s.count), expected \(rank)") }
            return s
        }
        let stem = try shape("first_conv.0.weight", rank: 4)[0]
        var unitCount = 0
        while shapes["features.\(unitCount).branch_main_1.0.weight"] != nil { unitCount += 1 }
        guard unitCount > 0 else { throw .architecture("cannot infer the architecture: no 'features.N.branch_main_1.0.weight' tensors") }

        var channels = stem
        var widths: [Int] = [], repeats: [Int] = []
        var groups: Int? = nil
        for index in 0..<unitCount {
            let pw1 = try shape("features.\(index).branch_main_1.0.weight", rank: 4)
            let pw2 = try shape("features.\(index).branch_main_2.0.weight", rank: 4)
            let mid = pw1[0], branch = pw2[0]
            guard pw2[1] > 0, mid % pw2[1] == 0 else {
                throw .architecture("cannot infer groups: unit \(index) second 1×1 conv has \(pw2[1]) inputs per group for \(mid) channels")
            }
            let g = mid / pw2[1]
            if let known = groups, known != g {
                throw .architecture("unit \(index) uses \(g) groups but earlier units use \(known)")
            }
            groups = g
            if branch == channels && 4 * mid == channels && index > 0 {
                repeats[repeats.count - 1] += 1
            } else if 4 * mid == channels + branch {
                channels += branch
                widths.append(channels)
                repeats.append(1)
            } else {
                throw .architecture("unit \(index): mid \(mid) and branch \(branch) fit neither a stride-1 nor a stride-2 unit on \(channels) input channels")
            }
        }
        let classifier = try shape("classifier.0.weight", rank: 2)
        guard classifier[1] == channels else {
            throw .unexpectedShape(name: "classifier.0.weight", expected: [classifier[0], channels], found: classifier)
        }
        var config = ShuffleNetConfig(groups: groups ?? 1, stem: stem, widths: widths, repeats: repeats,
                                      classes: classifier[0], inputSize: inputSize)
        config.seReduction = try inferSEReduction(shapes: shapes, units: config.units)
        do { try config.validate() } catch { throw .architecture(error.description) }
        return config
    }

    /// The SE reduction r of a checkpoint without metadata: the smallest r whose floor(C / r) gives every unit's
    /// `se.fc1.weight` rows (any such r builds the same network). nil unless every unit has an SE block.
    static func inferSEReduction(shapes: [String: [Int]], units: [UnitSpec]) throws(WeightsError) -> Int? {
        let hidden = units.map { shapes["features.\($0.index).se.fc1.weight"]?.first }
        // Blocks on some units only are no architecture we know: nil, and the converter names the stray tensors.
        if hidden.contains(where: { $0 == nil }) { return nil }
        guard let largest = units.map(\.branchChannels).max(),
              let r = (1...largest).first(where: { r in zip(units, hidden).allSatisfy { $0.branchChannels / r == $1 } }) else {
            throw .architecture("cannot infer the SE reduction: 'features.N.se.fc1.weight' rows \(hidden.map { $0.map(String.init) ?? "none" }) fit no single r over the branch widths \(units.map(\.branchChannels))")
        }
        return r
    }

    /// Refuses a state dict with tensors the architecture does not use (they would be dropped, and the network
    /// would compute something else) or without ones it needs, naming them all (up to 20 of each).
    /// `num_batches_tracked` of the network's batch norms is the only extra accepted (PyTorch's counter, unused).
    /// With `missing: false` only unknown tensors are checked (a missing one is then `ShuffleNetWeights`' error).
    public static func checkNames(_ names: Set<String>, config: ShuffleNetConfig, missing checkMissing: Bool = true) throws(WeightsError) {
        let expected = expectedShapes(config).map(\.name)
        let known = Set(expected).union(expected.filter { $0.hasSuffix(".running_mean") }.map {
            String($0.dropLast(".running_mean".count)) + ".num_batches_tracked"
        })
        func listed(_ list: [String]) -> String {
            list.prefix(20).joined(separator: ", ") + (list.count > 20 ? " and \(list.count - 20) more" : "")
        }
        let missing = expected.filter { !names.contains($0) }
        if checkMissing && !missing.isEmpty {
            throw .architecture("\(missing.count) tensor(s) the architecture (\(config)) needs are missing: \(listed(missing))")
        }
        let unknown = names.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw .architecture("\(unknown.count) tensor(s) not used by the architecture (\(config)), refusing to drop them: \(listed(unknown))")
        }
    }
}
