import CFluidSynth
import Foundation

/// FluidSynth settings for one sound font and sample rate, playing Standard MIDI Files
/// into memory: the MIDI file Recur writes for a tune is exactly what it plays, so the
/// audio and the `.mid` beside it hold the same notes, programs, pans and sends.
///
/// Each tune is played by a synthesizer of its own, made for it and deleted after: one
/// kept from tune to tune carries its state on (the 64-frame block a player starts in,
/// the reverb and chorus lines), so a tune played again by a daemon would come out
/// different. A new synthesizer reads the sound font's headers (18 ms for
/// FluidR3_GM) and an instrument's samples only when the tune selects it, so the audio is
/// the same bytes whatever was played before, as from a fresh `recur render`. Settings
/// are kept, one per sound font and sample rate (`shared(soundFont:sampleRate:)`), once
/// the font has loaded. One lock covers every call into FluidSynth: creating settings and
/// synthesizers at the same time as another thread renders crashed libfluidsynth 2.3,
/// and renders are far faster than real time, so playing one file at a time costs little.
final class FluidSynthPlayer: @unchecked Sendable {
    /// The longest a note's release and the reverb ring on after the last note, in seconds.
    static let maximumTail = 3.0

    let soundFont: String
    let sampleRate: Int
    private let settings: OpaquePointer

    /// Checks that `soundFont` loads: the file is checked to be a SoundFont (RIFF `sfbk` of
    /// its own length) first, so that FluidSynth's fallback loaders never see anything
    /// else, then loaded once.
    private init(soundFont: String, sampleRate: Int) throws(SoundFontError) {
        Self.silenceLogging
        guard Self.looksLikeSoundFont(soundFont), fluid_is_soundfont(soundFont) != 0 else {
            throw SoundFontError(path: soundFont, problem: .unreadable)
        }
        let settings = new_fluid_settings()!
        // The MIDI player advances with the samples written, not with the wall clock:
        // rendering is not real-time playback.
        fluid_settings_setstr(settings, "player.timing-source", "sample")
        fluid_settings_setint(settings, "synth.lock-memory", 0)
        fluid_settings_setnum(settings, "synth.sample-rate", Double(sampleRate))
        // Samples are read when a channel selects their preset, not all at load (148 MB
        // for FluidR3_GM, held by a daemon for its life); the audio is the same bits.
        fluid_settings_setint(settings, "synth.dynamic-sample-loading", 1)
        guard let synth = Self.synthesizer(settings: settings, soundFont: soundFont) else {
            // Deleted here, before `self` exists: a class whose init throws after its
            // properties are set runs its deinit too.
            delete_fluid_settings(settings)
            throw SoundFontError(path: soundFont, problem: .unreadable)
        }
        delete_fluid_synth(synth)
        self.soundFont = soundFont
        self.sampleRate = sampleRate
        self.settings = settings
    }

    /// A new synthesizer with `soundFont` loaded and the room's reverb set, or nil when
    /// FluidSynth cannot load the font.
    private static func synthesizer(settings: OpaquePointer, soundFont: String) -> OpaquePointer? {
        guard let synth = new_fluid_synth(settings) else { return nil }
        guard fluid_synth_sfload(synth, soundFont, 1) != FLUID_FAILED else {
            delete_fluid_synth(synth)
            return nil
        }
        fluid_synth_set_reverb_group_roomsize(synth, -1, 0.6)
        fluid_synth_set_reverb_group_damp(synth, -1, 0.4)
        fluid_synth_set_reverb_group_width(synth, -1, 0.8)
        fluid_synth_set_reverb_group_level(synth, -1, 0.9)
        return synth
    }

    /// A RIFF file of form `sfbk` whose chunk size is the file's length less 8.
    private static func looksLikeSoundFont(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 12), header.count == 12,
            let size = try? handle.seekToEnd()
        else { return false }
        let bytes = [UInt8](header)
        let riffSize = UInt64(bytes[4]) | UInt64(bytes[5]) << 8 | UInt64(bytes[6]) << 16 | UInt64(bytes[7]) << 24
        return bytes[0..<4] == [0x52, 0x49, 0x46, 0x46] && bytes[8..<12] == [0x73, 0x66, 0x62, 0x6B] && riffSize + 8 == size
    }

    deinit {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        delete_fluid_settings(settings)
    }

    /// Plays `midi` for `frames` frames (its length: FluidSynth's player reports the end
    /// of a file seconds late), then on while the sound rings (up to `maximumTail`
    /// seconds); returns the left and right channels, unscaled.
    /// - Throws: `SoundFontError.unreadable` when the sound font no longer loads.
    func play(midi: Data, frames: Int) throws(SoundFontError) -> (left: [Float], right: [Float]) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let synth = Self.synthesizer(settings: settings, soundFont: soundFont) else {
            throw SoundFontError(path: soundFont, problem: .unreadable)
        }
        defer { delete_fluid_synth(synth) }
        let player = new_fluid_player(synth)
        defer { delete_fluid_player(player) }
        _ = midi.withUnsafeBytes { fluid_player_add_mem(player, $0.baseAddress, $0.count) }
        fluid_player_play(player)
        let block = 512
        var left: [Float] = []
        var right: [Float] = []
        left.reserveCapacity(frames + block)
        right.reserveCapacity(frames + block)
        var blockLeft = [Float](repeating: 0, count: block)
        var blockRight = [Float](repeating: 0, count: block)
        /// Renders `count` ≤ `block` frames onto the ends of `left` and `right`; their peak.
        func render(_ count: Int) -> Float {
            blockLeft.withUnsafeMutableBufferPointer { l in
                blockRight.withUnsafeMutableBufferPointer { r in
                    _ = fluid_synth_write_float(synth, Int32(count), l.baseAddress, 0, 1, r.baseAddress, 0, 1)
                }
            }
            left += blockLeft[0..<count]
            right += blockRight[0..<count]
            var peak: Float = 0
            for i in 0..<count { peak = max(peak, abs(blockLeft[i]), abs(blockRight[i])) }
            return peak
        }
        var loudest: Float = 0
        while left.count < frames { loudest = max(loudest, render(min(block, frames - left.count))) }
        fluid_player_stop(player)
        // Ring on until a block is 60 dB below the loudest, or the tail's limit.
        let tailBlocks = Int(Self.maximumTail * Double(sampleRate)) / block
        var tail = 0
        while tail < tailBlocks, render(block) > loudest * 1e-3 { tail += 1 }
        return (left, right)
    }

    private static let silenceLogging: Void = {
        for level in [FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG] {
            _ = fluid_set_log_function(Int32(level.rawValue), nil, nil)
        }
    }()

    /// Recursive: a player dropped from the cache (under the lock) is deleted under it too.
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var cache: [String: FluidSynthPlayer] = [:]

    /// The player for `soundFont` at `sampleRate`, loading the sound font the first time.
    /// - Throws: `SoundFontError.unreadable` when FluidSynth cannot load it.
    static func shared(soundFont: String, sampleRate: Int) throws(SoundFontError) -> FluidSynthPlayer {
        lock.lock()
        defer { lock.unlock() }
        // A sound font replaced on disk is loaded again.
        let attributes = try? FileManager.default.attributesOfItem(atPath: soundFont)
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = "\(sampleRate) \(modified) \(attributes?[.size] as? Int ?? 0) \(soundFont)"
        if let player = cache[key] { return player }
        let player = try FluidSynthPlayer(soundFont: soundFont, sampleRate: sampleRate)
        if cache.count >= 4 { cache.removeAll() }
        cache[key] = player
        return player
    }
}
