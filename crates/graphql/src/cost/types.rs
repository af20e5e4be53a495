//! What the cost model needs to know of the schema: for each object and interface type, the
//! type each field returns and whether it is a list. Read once from the SDL, so that a field
//! is priced by its definition whether it is selected through an object or an interface.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// A field's return type, stripped of non-null markers.
#[derive(Debug, Clone)]
pub(super) struct FieldType {
    /// The named type inside any list.
    pub name: String,
    /// Whether the field returns a list.
    pub list: bool,
}

/// The composite types of the schema (objects, interfaces, unions) and their fields.
#[derive(Debug, Default)]
pub(super) struct TypeTable {
    types: HashMap<String, HashMap<String, FieldType>>,
}

impl TypeTable {
    /// Reads the object, interface and union types of `sdl`. An SDL that does not parse gives
    /// an empty table (every field then costs nothing); a unit test keeps the real one parsing.
    pub fn from_sdl(sdl: &str) -> Self {
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the cost model cannot parse the schema's SDL");
            return Self::default();
        };
        let mut types = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let fields = match definition.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                TypeKind::Union(_) => Vec::new(),
                _ => continue,
            };
            let fields = fields
                .into_iter()
                .map(|field| {
                    let field = field.node;
                    (field.name.node.to_string(), field_type(&field.ty.node))
                })
                .collect();
            types.insert(definition.name.node.to_string(), fields);
        }
        Self { types }
    }

    /// Whether `name` is an object, interface or union (not a scalar or enum).
    pub fn is_composite(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// The type of `field` on `parent`, when both exist.
    pub fn field(&self, parent: &str, field: &str) -> Option<&FieldType> {
        self.types.get(parent)?.get(field)
    }
}

fn field_type(ty: &Type) -> FieldType {
    match &ty.base {
        BaseType::Named(name) => FieldType {
            name: name.to_string(),
            list: false,
        },
        BaseType::List(inner) => FieldType {
            list: true,
            ..field_type(inner)
        },
    }
}
