//! Operations generated from the schema's SDL: a model of its types, a seeded PRNG, and a
//! generator of valid and invalid arguments, variables and selections.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use serde_json::{Map, Value as Json};

/// xorshift64*: tiny, deterministic, good enough to pick test cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The types of the schema, by name.
pub struct Model {
    types: HashMap<String, TypeKind>,
    /// Object types implementing each interface.
    implementations: HashMap<String, Vec<String>>,
}

impl Model {
    pub fn from_sdl(sdl: &str) -> Self {
        let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
        let mut types = HashMap::new();
        let mut implementations: HashMap<String, Vec<String>> = HashMap::new();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(definition) = definition {
                let name = definition.node.name.node.to_string();
                if let TypeKind::Object(object) = &definition.node.kind {
                    for interface in &object.implements {
                        implementations
                            .entry(interface.node.to_string())
                            .or_default()
                            .push(name.clone());
                    }
                }
                types.insert(name, definition.node.kind);
            }
        }
        Self {
            types,
            implementations,
        }
    }

    fn fields(&self, type_name: &str) -> &[async_graphql::Positioned<FieldDefinition>] {
        match self.types.get(type_name) {
            Some(TypeKind::Object(object)) => &object.fields,
            Some(TypeKind::Interface(interface)) => &interface.fields,
            _ => &[],
        }
    }

    fn is_leaf(&self, type_name: &str) -> bool {
        matches!(
            self.types.get(type_name),
            None | Some(TypeKind::Scalar | TypeKind::Enum(_))
        )
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// An input value, written either as a GraphQL literal or as JSON (for variables).
enum Input {
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Enum(String),
    List(Vec<Input>),
    Object(Vec<(String, Input)>),
}

impl Input {
    fn literal(&self) -> String {
        match self {
            Input::Null => "null".into(),
            Input::Int(value) => value.to_string(),
            Input::Float(value) => format!("{value:?}"),
            Input::Str(text) => Json::String(text.clone()).to_string(),
            Input::Bool(value) => value.to_string(),
            Input::Enum(name) => name.clone(),
            Input::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Input::literal)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Input::Object(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", value.literal()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn json(&self) -> Json {
        match self {
            Input::Null => Json::Null,
            Input::Int(value) => Json::from(*value),
            Input::Float(value) => Json::from(*value),
            Input::Str(text) | Input::Enum(text) => Json::String(text.clone()),
            Input::Bool(value) => Json::Bool(*value),
            Input::List(items) => Json::Array(items.iter().map(Input::json).collect()),
            Input::Object(fields) => Json::Object(
                fields
                    .iter()
                    .map(|(name, value)| (name.clone(), value.json()))
                    .collect(),
            ),
        }
    }
}

const INTS: [i64; 12] = [
    0,
    1,
    3,
    20,
    100,
    101,
    -1,
    2024,
    2026,
    2_147_483_647,
    1_073_741_824,
    -2_147_483_648,
];
const STRINGS: [&str; 12] = [
    "330000",
    "330212",
    "331002",
    "330100",
    "",
    "x",
    "不存在",
    "'; DROP TABLE consultation; --",
    "%_\\",
    "\u{0}\u{1f}",
    "2025",
    "YXJyYXljb25uZWN0aW9uOjA",
];
const DATES: [&str; 4] = ["2025-06-01", "2026-12-31", "1900-01-01", "2025-13-45"];
const DATE_TIMES: [&str; 4] = [
    "2025-06-01T08:00:00+08:00",
    "2026-12-04T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "tomorrow",
];

/// One generated GraphQL request.
pub struct Operation {
    pub document: String,
    pub variables: Map<String, Json>,
}

/// Builds operations over a [`Model`].
pub struct Generator<'a> {
    pub model: &'a Model,
    pub rng: Rng,
    /// Global IDs read from the demo data, so that `node(id:)` finds records.
    pub ids: Vec<String>,
    /// Percentage of arguments given a wrong value or type.
    pub invalid_percent: u64,
    variables: Vec<(String, String, Json)>,
}

impl<'a> Generator<'a> {
    pub fn new(model: &'a Model, seed: u64) -> Self {
        Self {
            model,
            rng: Rng::new(seed),
            ids: Vec::new(),
            invalid_percent: 10,
            variables: Vec::new(),
        }
    }

    /// An operation on `root` (`Query`, `Mutation` or `Subscription`) at most `depth` deep and
    /// `width` fields wide per level.
    pub fn operation(&mut self, root: &str, depth: usize, width: usize) -> Operation {
        self.variables.clear();
        let selection = self.selection(root, depth, width);
        let keyword = match root {
            "Mutation" => "mutation",
            "Subscription" => "subscription",
            _ => "query",
        };
        let declarations = if self.variables.is_empty() {
            String::new()
        } else {
            format!(
                "({})",
                self.variables
                    .iter()
                    .map(|(name, ty, _)| format!("${name}: {ty}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let variables = self
            .variables
            .drain(..)
            .map(|(name, _, value)| (name, value))
            .collect();
        Operation {
            document: format!("{keyword} Fuzz{declarations} {selection}"),
            variables,
        }
    }

    /// `{ … }` for a composite type.
    fn selection(&mut self, type_name: &str, depth: usize, width: usize) -> String {
        let model = self.model;
        let mut parts = Vec::new();
        match model.types.get(type_name) {
            Some(TypeKind::Union(union)) => {
                parts.push("__typename".to_owned());
                let members: Vec<String> =
                    union.members.iter().map(|m| m.node.to_string()).collect();
                let member = self.rng.pick(&members).clone();
                parts.push(format!(
                    "... on {member} {}",
                    self.selection(&member, depth, width)
                ));
            }
            _ => {
                let fields = model.fields(type_name);
                let count = 1 + self.rng.below(width.max(1));
                for _ in 0..count {
                    if fields.is_empty() {
                        break;
                    }
                    let field = &self.rng.pick(fields).node;
                    if let Some(text) = self.field(field, depth, width) {
                        parts.push(text);
                    }
                }
                if let Some(implementations) = model.implementations.get(type_name)
                    && self.rng.chance(30)
                {
                    let concrete = self.rng.pick(implementations).clone();
                    parts.push(format!(
                        "... on {concrete} {}",
                        self.selection(&concrete, depth, width)
                    ));
                }
            }
        }
        if self.rng.chance(3) {
            parts.push("notAFieldAnywhere".to_owned());
        }
        if parts.is_empty() {
            parts.push("__typename".to_owned());
        }
        format!("{{ {} }}", parts.join(" "))
    }

    /// One field with arguments and, for composite types, a selection; `None` when it would need
    /// a selection deeper than allowed.
    fn field(&mut self, field: &FieldDefinition, depth: usize, width: usize) -> Option<String> {
        let target = named(&field.ty.node).to_owned();
        let leaf = self.model.is_leaf(&target);
        if !leaf && depth == 0 {
            return None;
        }
        let mut text = String::new();
        if self.rng.chance(20) {
            text.push_str(&format!("a{}: ", self.rng.below(1000)));
        }
        text.push_str(field.name.node.as_str());
        let arguments: Vec<String> = field
            .arguments
            .iter()
            .filter_map(|argument| self.argument(&argument.node))
            .collect();
        if !arguments.is_empty() {
            text.push_str(&format!("({})", arguments.join(", ")));
        }
        if !leaf {
            text.push(' ');
            text.push_str(&self.selection(&target, depth - 1, width));
        } else if self.rng.chance(2) {
            // A selection on a leaf: a validation error.
            text.push_str(" { x }");
        }
        Some(text)
    }

    fn argument(&mut self, argument: &InputValueDefinition) -> Option<String> {
        let ty = &argument.ty.node;
        let optional = ty.nullable || argument.default_value.is_some();
        if optional && self.rng.chance(50) {
            return None;
        }
        let name = argument.name.node.as_str();
        let value = if self.rng.chance(self.invalid_percent) {
            self.invalid(ty)
        } else {
            self.value(ty, 3)
        };
        if self.rng.chance(25) {
            let variable = format!("v{}", self.variables.len());
            self.variables
                .push((variable.clone(), ty.to_string(), value.json()));
            return Some(format!("{name}: ${variable}"));
        }
        Some(format!("{name}: {}", value.literal()))
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Input {
        if ty.nullable && self.rng.chance(10) {
            return Input::Null;
        }
        match &ty.base {
            BaseType::List(item) => {
                let count = self.rng.below(4);
                Input::List((0..count).map(|_| self.value(item, depth)).collect())
            }
            BaseType::Named(name) => self.named_value(name.as_str(), depth),
        }
    }

    fn named_value(&mut self, name: &str, depth: usize) -> Input {
        match name {
            "Int" => Input::Int(*self.rng.pick(&INTS)),
            "Float" => Input::Float(1.5),
            "Boolean" => Input::Bool(self.rng.chance(50)),
            "String" => Input::Str((*self.rng.pick(&STRINGS)).to_owned()),
            "ID" => {
                if !self.ids.is_empty() && self.rng.chance(70) {
                    let ids = std::mem::take(&mut self.ids);
                    let id = self.rng.pick(&ids).clone();
                    self.ids = ids;
                    Input::Str(id)
                } else {
                    Input::Str((*self.rng.pick(&STRINGS)).to_owned())
                }
            }
            "NaiveDate" => Input::Str((*self.rng.pick(&DATES)).to_owned()),
            "DateTime" => Input::Str((*self.rng.pick(&DATE_TIMES)).to_owned()),
            _ => match self.model.types.get(name) {
                Some(TypeKind::Enum(values)) => {
                    let values: Vec<String> = values
                        .values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    Input::Enum(self.rng.pick(&values).clone())
                }
                Some(TypeKind::InputObject(object)) if depth > 0 => {
                    let fields = object.fields.clone();
                    let mut values = Vec::new();
                    for field in &fields {
                        let field = &field.node;
                        let optional = field.ty.node.nullable || field.default_value.is_some();
                        if optional && self.rng.chance(50) {
                            continue;
                        }
                        values.push((
                            field.name.node.to_string(),
                            self.value(&field.ty.node, depth - 1),
                        ));
                    }
                    Input::Object(values)
                }
                Some(TypeKind::InputObject(_)) => Input::Object(Vec::new()),
                _ => Input::Str("x".to_owned()),
            },
        }
    }

    /// A value of the wrong kind for `ty`.
    fn invalid(&mut self, ty: &Type) -> Input {
        match self.rng.below(6) {
            0 => Input::Null,
            1 => Input::Str("not the right type".to_owned()),
            2 => Input::Int(i64::from(i32::MAX) + 1),
            3 => Input::Enum("NOT_A_VALUE".to_owned()),
            4 => Input::Object(vec![("noSuchField".to_owned(), Input::Int(1))]),
            _ => match &ty.base {
                BaseType::List(_) => Input::Object(Vec::new()),
                BaseType::Named(_) => Input::List(vec![Input::Float(0.5), Input::Bool(true)]),
            },
        }
    }
}
