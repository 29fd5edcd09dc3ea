/// A single image's activations in NCHW order without the N: `data[c][y][x]`, channels × height × width floats.
public struct Activation: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var data: [Float]

    public init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "Activation: \(data.count) floats for \(channels)×\(height)×\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width, data: [Float](repeating: 0, count: channels * height * width))
    }
}
