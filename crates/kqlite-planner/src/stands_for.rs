//! kqlite's filter expressions that stand for the expression they were made from (its
//! `original`: a faster way to evaluate the same thing) compare and hash as that expression
//! does, so that DataFusion's plan comparisons see the same plan.

/// `PartialEq`, `Eq` and `Hash` for `$type` by its `original` field.
macro_rules! same_as_original {
    ($type:ty) => {
        impl PartialEq for $type {
            fn eq(&self, other: &Self) -> bool {
                self.original.eq(&other.original)
            }
        }

        impl Eq for $type {}

        impl std::hash::Hash for $type {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.original.hash(state);
            }
        }
    };
}

pub(crate) use same_as_original;
