/// Rendered or decoded audio: interleaved float samples in −1…1.
public struct AudioBuffer: Sendable, Equatable {
    /// Samples, frame after frame; a stereo frame is left then right.
    public var samples: [Float]
    /// Samples per frame: 1 or 2.
    public var channels: Int
    /// Frames per second.
    public var sampleRate: Int

    /// Audio of `samples` (interleaved) with `channels` channels at `sampleRate`.
    public init(samples: [Float], channels: Int, sampleRate: Int) {
        self.samples = samples
        self.channels = channels
        self.sampleRate = sampleRate
    }

    /// The number of frames.
    public var frames: Int { channels > 0 ? samples.count / channels : 0 }

    /// The duration in seconds.
    public var seconds: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }

    /// The largest absolute sample value.
    public var peak: Float { samples.reduce(0) { max($0, abs($1)) } }

    /// One channel's samples.
    public func channel(_ index: Int) -> [Float] {
        stride(from: index, to: samples.count, by: channels).map { samples[$0] }
    }
}
