/// A value behind one reference, for the value types every pending agent call copies (its request, the debate's
/// context): each copy is then a pointer, not the fields again. A change makes a new box: these values are built
/// once and almost never changed afterwards.
final class Shared<Fields: Sendable>: Sendable {
    let fields: Fields
    init(_ fields: Fields) { self.fields = fields }

    /// `fields` with one of them changed, in a new box.
    func with<V>(_ key: WritableKeyPath<Fields, V>, _ value: V) -> Shared {
        var copy = fields
        copy[keyPath: key] = value
        return Shared(copy)
    }
}
