/// Per unit and input channel, the mean over the calibration images of each of its convolutions' inputs.
public struct InputMeans: Sendable {
    public var pointwise1: [[Double]]
    public var depthwise: [[Double]]
    public var pointwise2: [[Double]]

    /// Adds each channel's mean over one image's plane.
    static func add(_ a: Activation, to sums: inout [Double]) {
        let plane = a.height * a.width
        for c in 0..<a.channels {
            var sum = 0.0
            for v in a.data[(c * plane)..<((c + 1) * plane)] { sum += Double(v) }
            sums[c] += sum / Double(plane)
        }
    }
}
