import RecurMusic

/// Tunes that exercise every writer: voices, pickups, ties over bar lines, rests, lengths
/// that are not one written value, and notes off the key's signature.
enum TestTunes {
    /// A four-voice chorale in 4/4, F major (moved from C): a pickup of one quarter, three
    /// full bars and a short last bar; notes tied over bar lines in every voice, lengths of
    /// 5, 9, 10 and 15 steps, a whole bar of rest in the alto, B natural and E flat.
    static let chorale: Tune = {
        func voice(_ notes: [(Int, Int, Int)]) -> Melody {
            Melody(notes: notes.map { Note(pitch: $0.0, start: $0.1, length: $0.2) }, steps: 64)
        }
        let soprano = voice([
            (67, 0, 4), (67, 4, 8), (69, 12, 4), (71, 16, 6), (72, 22, 5), (73, 27, 1), (72, 30, 10), (71, 40, 12), (72, 52, 12),
        ])
        let alto = voice([(64, 4, 16), (62, 36, 10), (64, 46, 9), (66, 55, 9)])
        let tenor = voice([(55, 0, 4), (52, 4, 2), (53, 6, 2), (55, 8, 3), (57, 11, 1), (55, 12, 9), (54, 21, 15), (52, 40, 24)])
        let bass = voice([(48, 0, 4), (36, 4, 32), (43, 36, 16), (36, 52, 12)])
        return Tune(voices: [soprano, alto, tenor, bass], meter: Meter("4/4"), mode: .major, barLines: [4, 20, 36, 52, 64])
            .inKey(Tonic("F")!)
    }()

    /// A jig in 6/8, E minor (moved from A minor), one voice: a pickup of an eighth, a note
    /// tied over a bar line, D sharp, F natural then F sharp in one bar, a rest, and a short
    /// last bar completing the pickup.
    static let jig: Tune = {
        let tokens =
            "M:6/8 K:minor n64 - | n69 - - n68 - n69 n70 - - n71 - n72 | n74 - - - - n72 - - - - - n71 | "
            + "- - n69 - - n68 - - - - r - | n69 - - - - - - - - - |"
        let encoding = NoteEncoding(meters: [Meter("6/8")!], modes: [.minor])
        // The tokens are fixed and valid: decoding cannot fail.
        let decoded = try? encoding.decode(tokens.split(separator: " ").map(String.init))
        return decoded!.tune.inKey(Tonic("E")!)
    }()
}
