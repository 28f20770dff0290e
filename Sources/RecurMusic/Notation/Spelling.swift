/// How a pitch is written in a key: a letter, an alteration and an octave. Every writer
/// that names notes (ABC, MusicXML, the piano roll) spells them here, so they agree.
struct Spelling: Hashable {
    /// 0 = C … 6 = B.
    let letter: Int
    /// −1 flat, 0 natural, +1 sharp.
    let alteration: Int
    /// The octave of scientific pitch notation (C4 = MIDI 60).
    let octave: Int

    /// The spelling of `pitch` in `key`: the signature's letter when the pitch is in the
    /// signature's scale. A note off the scale is, in order of preference:
    /// - the leading note, a semitone under the tonic, on the letter under the tonic's:
    ///   G# in A minor, C# in D minor, E# in F# minor;
    /// - a natural of a letter the signature alters: B natural in F major, F natural in
    ///   G major;
    /// - in sharp keys (and C major) a raised scale note, in flat keys a lowered one: D# in
    ///   E minor, E flat in F major;
    /// - failing those a natural, failing that the other direction.
    init(pitch: Int, key: Key) {
        let pitchClass = ((pitch % 12) + 12) % 12
        let signature = key.signature
        let natural = Tonic.naturalPitchClasses
        func octave(_ letter: Int, _ alteration: Int) -> Int {
            Int((Double(pitch - alteration - natural[letter]) / 12).rounded(.down)) - 1
        }
        func letter(altered alteration: Int, onlyNatural: Bool) -> Int? {
            (0..<7).first {
                (!onlyNatural || signature[$0] == 0) && ((natural[$0] + alteration) % 12 + 12) % 12 == pitchClass
            }
        }
        let preferred = key.fifths >= 0 ? 1 : -1
        let leading = (key.tonic.letter + 6) % 7
        let leadingAlteration = ((pitchClass - natural[leading]) % 12 + 12 + 6) % 12 - 6
        if let inKey = (0..<7).first(where: { ((natural[$0] + signature[$0]) % 12 + 12) % 12 == pitchClass }) {
            self.init(letter: inKey, alteration: signature[inKey], octave: octave(inKey, signature[inKey]))
        } else if (pitchClass + 1) % 12 == key.tonic.pitchClass, abs(leadingAlteration) <= 1 {
            self.init(letter: leading, alteration: leadingAlteration, octave: octave(leading, leadingAlteration))
        } else if let cancelled = (0..<7).first(where: { signature[$0] != 0 && natural[$0] == pitchClass }) {
            self.init(letter: cancelled, alteration: 0, octave: octave(cancelled, 0))
        } else if let raised = letter(altered: preferred, onlyNatural: true) {
            self.init(letter: raised, alteration: preferred, octave: octave(raised, preferred))
        } else if let plain = letter(altered: 0, onlyNatural: false) {
            self.init(letter: plain, alteration: 0, octave: octave(plain, 0))
        } else {
            let other = letter(altered: -preferred, onlyNatural: false)!
            self.init(letter: other, alteration: -preferred, octave: octave(other, -preferred))
        }
    }

    init(letter: Int, alteration: Int, octave: Int) {
        self.letter = letter
        self.alteration = alteration
        self.octave = octave
    }

    /// The letter's name: `C` … `B`.
    var letterName: String { String(Tonic.letters[letter]) }

    /// The letter with ABC's octave marks: `C` = C4, `c` = C5, `c'` = C6, `C,` = C3.
    var abcLetter: String {
        if octave >= 5 { return letterName.lowercased() + String(repeating: "'", count: octave - 5) }
        return letterName + String(repeating: ",", count: max(0, 4 - octave))
    }
}

/// Decides which notes of one bar show an accidental: a note off the signature, and every
/// later note of a letter and octave that already showed one — so that a reader who
/// carries accidentals through the bar and one who does not read the same pitches.
///
/// Start a new one for every bar (and every voice: each staff has its own accidentals).
struct Speller {
    let key: Key
    private var marked: Set<Int> = []

    init(key: Key) { self.key = key }

    /// The alteration to show before `spelling` (−1 flat, 0 natural, +1 sharp), or nil
    /// when the signature and the bar so far already say it.
    mutating func accidental(for spelling: Spelling) -> Int? {
        let slot = spelling.octave * 7 + spelling.letter
        guard spelling.alteration != key.signature[spelling.letter] || marked.contains(slot) else { return nil }
        marked.insert(slot)
        return spelling.alteration
    }

    /// The ABC of `spelling` with its accidental, if it needs one: `^F`, `_B`, `=c`, `d`.
    mutating func text(_ spelling: Spelling) -> String {
        guard let shown = accidental(for: spelling) else { return spelling.abcLetter }
        let mark = shown > 0 ? "^" : shown < 0 ? "_" : "="
        return mark + spelling.abcLetter
    }
}
