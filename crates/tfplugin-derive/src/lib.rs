//! `#[derive(Model)]`: the object conversion of a struct whose fields are a schema block's
//! attributes. The field name is the attribute name (a raw identifier such as `r#type` is
//! `type`), so every name is written once, by the field.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, parse_macro_input};

#[proc_macro_derive(Model)]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return syn::Error::new_spanned(name, "Model needs a struct with named fields")
                    .to_compile_error()
                    .into();
            }
        },
        _ => {
            return syn::Error::new_spanned(name, "Model can only be derived for a struct")
                .to_compile_error()
                .into();
        }
    };
    let idents: Vec<&syn::Ident> = fields.iter().filter_map(|f| f.ident.as_ref()).collect();
    let names: Vec<String> = idents
        .iter()
        .map(|i| {
            let s = i.to_string();
            s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
        })
        .collect();
    let expanded = quote! {
        impl #impl_generics ::tfplugin::model::Model for #name #ty_generics #where_clause {
            const NAMES: &'static [&'static str] = &[#(#names),*];

            fn decode_object(
                value: &::tfplugin::Value,
                path: &::tfplugin::AttrPath,
            ) -> ::std::result::Result<Self, ::tfplugin::Diagnostic> {
                if !matches!(value, ::tfplugin::Value::Object(_)) {
                    return Err(::tfplugin::model::type_error(path, "an object", value));
                }
                Ok(Self {
                    #(#idents: ::tfplugin::model::Field::decode_field(
                        value.get(#names),
                        &path.clone().attr(#names),
                    )?,)*
                })
            }

            fn encode(&self) -> ::tfplugin::Value {
                let mut object = ::std::collections::BTreeMap::new();
                #(object.insert(
                    #names.to_string(),
                    ::tfplugin::model::Field::encode_field(&self.#idents),
                );)*
                ::tfplugin::Value::Object(object)
            }
        }

        impl #impl_generics ::tfplugin::model::Field for #name #ty_generics #where_clause {
            fn decode_field(
                value: &::tfplugin::Value,
                path: &::tfplugin::AttrPath,
            ) -> ::std::result::Result<Self, ::tfplugin::Diagnostic> {
                <Self as ::tfplugin::model::Model>::decode_object(value, path)
            }
            fn encode_field(&self) -> ::tfplugin::Value {
                <Self as ::tfplugin::model::Model>::encode(self)
            }
        }
    };
    expanded.into()
}
