/// What one inference request may hold. Each limit is checked before the memory it guards is allocated.
public struct InferenceLimits: Sendable, Equatable {
    /// Arrays and objects one inside another in the JSON part, the request object itself being level 1.
    /// Nested tensor data needs 3 + rank levels (request, inputs, input, then one per dimension). Default 64.
    /// The decoder recurses once per level, so this also bounds its stack use.
    public var maxJSONDepth: Int
    /// Elements of one tensor, the product of its shape. Default 2^24 = 16,777,216: a batch of 32 images of
    /// 3 × 384 × 384 FP32 (64 MiB) fits; the HTTP body limit usually binds first. Over it: 413.
    public var maxElementsPerTensor: Int
    /// Inputs in a request, and requested outputs, each. Default 64. Over it: 413.
    public var maxTensors: Int

    public init(maxJSONDepth: Int = 64, maxElementsPerTensor: Int = 1 << 24, maxTensors: Int = 64) {
        self.maxJSONDepth = maxJSONDepth
        self.maxElementsPerTensor = maxElementsPerTensor
        self.maxTensors = maxTensors
    }
}
