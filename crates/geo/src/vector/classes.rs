//! Map a text or integer attribute to contiguous class ids with a stable class list.

use super::feature::{AttrValue, VectorLayer};
use crate::{GeoError, Result};
use serde::{Deserialize, Serialize};

/// The classes of a categorical attribute, in id order: class id `k` is
/// `labels[k]`. Saved next to a model so prediction maps ids back to names.
///
/// The order is stable: text labels sort lexicographically, integer codes
/// numerically (so `2` comes before `10`) and are labelled by their decimal
/// form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassList {
    /// Attribute the classes came from.
    pub attribute: String,
    /// Class names; the index is the class id.
    pub labels: Vec<String>,
}

impl ClassList {
    /// Number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Id of a class label.
    pub fn id_of(&self, label: &str) -> Option<u32> {
        self.labels.iter().position(|l| l == label).map(|i| i as u32)
    }
}

/// Class id of every feature plus the class list the ids index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassAssignment {
    /// The class list the ids index.
    pub classes: ClassList,
    /// `ids[i]` is the class id of feature `i`.
    pub ids: Vec<u32>,
}

/// The class label of one attribute value, or why it has none.
fn label_of(index: usize, name: &str, value: &AttrValue) -> Result<ClassKey> {
    match value {
        AttrValue::Text(s) => Ok(ClassKey::Text(s.clone())),
        v => match v.as_integer() {
            Some(code) => Ok(ClassKey::Code(code)),
            None => Err(GeoError::Invalid(format!(
                "feature {index}: attribute {name:?} is {} ({}); a class attribute must be text or an integer",
                v.type_name(),
                describe(v)
            ))),
        },
    }
}

fn describe(v: &AttrValue) -> String {
    match v {
        AttrValue::Number(x) => x.to_string(),
        AttrValue::Text(s) => format!("{s:?}"),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Null => "null".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ClassKey {
    Code(i64),
    Text(String),
}

impl ClassKey {
    fn label(&self) -> String {
        match self {
            ClassKey::Code(c) => c.to_string(),
            ClassKey::Text(s) => s.clone(),
        }
    }
}

impl VectorLayer {
    /// Derive a class list from attribute `name` and map every feature to its
    /// class id. Text and integer values may not be mixed in one attribute;
    /// null, fractional, boolean or missing values are errors naming the feature.
    pub fn attribute_as_class(&self, name: &str) -> Result<ClassAssignment> {
        let keys = self.class_keys(name)?;
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        if matches!(unique.first(), Some(ClassKey::Code(_))) && matches!(unique.last(), Some(ClassKey::Text(_))) {
            return Err(GeoError::Invalid(format!(
                "attribute {name:?} mixes integer and text values; use one type for class labels"
            )));
        }
        let ids = keys.iter().map(|k| unique.binary_search(k).expect("key is in the list") as u32).collect();
        let classes = ClassList { attribute: name.to_owned(), labels: unique.iter().map(ClassKey::label).collect() };
        Ok(ClassAssignment { classes, ids })
    }

    /// Map attribute `name` to ids of an existing class list (e.g. the one a
    /// model was trained with). A label not in the list is an error naming the
    /// feature and the label.
    pub fn attribute_as_class_with(&self, name: &str, classes: &ClassList) -> Result<Vec<u32>> {
        let keys = self.class_keys(name)?;
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                let label = k.label();
                classes.id_of(&label).ok_or_else(|| {
                    GeoError::Invalid(format!(
                        "feature {i}: class {label:?} of attribute {name:?} is not one of the {} known classes {:?}",
                        classes.len(),
                        classes.labels
                    ))
                })
            })
            .collect()
    }

    fn class_keys(&self, name: &str) -> Result<Vec<ClassKey>> {
        self.attribute(name)?.into_iter().enumerate().map(|(i, v)| label_of(i, name, v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::feature::Feature;
    use super::*;
    use geo_types::point;

    fn layer(values: Vec<AttrValue>) -> VectorLayer {
        VectorLayer {
            features: values.into_iter().map(|v| Feature::new(point!(x: 0.0, y: 0.0)).with("c", v)).collect(),
            crs: None,
        }
    }

    #[test]
    fn integer_codes_sort_numerically() {
        let l = layer(vec![10i64.into(), 2i64.into(), 10i64.into(), 7i64.into()]);
        let a = l.attribute_as_class("c").unwrap();
        assert_eq!(a.classes.labels, vec!["2", "7", "10"]);
        assert_eq!(a.ids, vec![2, 0, 2, 1]);
    }

    #[test]
    fn text_labels_are_stable_under_feature_order() {
        let a = layer(vec!["water".into(), "crop".into(), "forest".into()]).attribute_as_class("c").unwrap();
        let b = layer(vec!["forest".into(), "water".into(), "crop".into()]).attribute_as_class("c").unwrap();
        assert_eq!(a.classes, b.classes);
        assert_eq!(a.classes.labels, vec!["crop", "forest", "water"]);
        assert_eq!(b.ids, vec![1, 2, 0]);
    }

    #[test]
    fn rejects_fractional_null_and_mixed() {
        let err = layer(vec![1i64.into(), AttrValue::Number(1.5)]).attribute_as_class("c").unwrap_err();
        assert!(err.to_string().contains("feature 1"), "{err}");
        let err = layer(vec![AttrValue::Null]).attribute_as_class("c").unwrap_err();
        assert!(err.to_string().contains("null"), "{err}");
        let err = layer(vec![1i64.into(), "a".into()]).attribute_as_class("c").unwrap_err();
        assert!(err.to_string().contains("mixes"), "{err}");
        let err = layer(vec![1i64.into()]).attribute_as_class("missing").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn maps_onto_existing_class_list() {
        let classes = ClassList { attribute: "c".into(), labels: vec!["crop".into(), "forest".into(), "water".into()] };
        let l = layer(vec!["water".into(), "crop".into()]);
        assert_eq!(l.attribute_as_class_with("c", &classes).unwrap(), vec![2, 0]);
        let err = layer(vec!["urban".into()]).attribute_as_class_with("c", &classes).unwrap_err();
        assert!(err.to_string().contains("urban"), "{err}");
    }
}
