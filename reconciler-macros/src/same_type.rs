//! Dependencies of one type in one `depends_on`.
//!
//! A component receives its dependencies by type: its `Deps` (`&'a Db`, `(&'a A, &'a Db)`)
//! is picked out of the references its `depends_on` provides. Two dependencies of one type
//! are therefore fine as long as the component does not read that type (it may list them
//! only to run after both), and ambiguous when it does. The derive cannot see the `Deps`
//! (it is whatever the component's one `Component` impl says), so for every group of
//! same-typed dependencies it emits a check that the compiler runs: what the component
//! reads, picked out of a list where the group stands as one `Ambiguous` entry, must not go
//! through that entry. When it does, the error is the check's own, with a message naming
//! the fields, at the group's second entry; rustc's "type annotations needed" for the
//! ambiguous pick itself is not shown once the body has an error.
//!
//! Types are compared as written, token for token: `Db` and `crate::Db`, or a type alias,
//! are different types here, and reading such a pair falls back to rustc's own error.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt;

use crate::ast::{Component, Input};

/// Two or more dependencies of one component whose types are written the same.
pub(crate) struct Group<'a> {
    /// The dependencies, in `depends_on` order (at least two).
    members: Vec<&'a Ident>,
    /// Their type as written, for the message.
    written: String,
}

/// The groups of same-typed dependencies of `component`, in order of their first member.
pub(crate) fn groups<'a>(component: &'a Component, input: &'a Input<'_>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for dependency in component.attr.depends_on() {
        // Unknown dependencies are refused before the expansion; skip them all the same.
        let Some(target) = input.components.iter().find(|c| c.member == *dependency) else {
            continue;
        };
        let written = type_text(&target.attr.ty);
        match groups.iter_mut().find(|group| group.written == written) {
            Some(group) if !group.members.contains(&dependency) => group.members.push(dependency),
            Some(_) => {}
            None => groups.push(Group {
                members: vec![dependency],
                written,
            }),
        }
    }
    groups.retain(|group| group.members.len() > 1);
    groups
}

/// The check for one group: a trait local to the block whose message names the fields,
/// implemented for every unambiguous verdict, and the verdict on what the component reads
/// from its dependencies with `group` standing as one `Ambiguous` entry (and every other
/// group as its first member only, so that this pick has one answer whatever it reads).
///
/// The verdict's call carries the span of the group's second entry: the error points there.
pub(crate) fn check(
    component: &Component,
    input: &Input<'_>,
    groups: &[Group<'_>],
    group: &Group<'_>,
) -> TokenStream {
    let ty = &component.attr.ty;
    let second = group.members[1];
    let span = second.span();
    let provided = component
        .attr
        .depends_on()
        .iter()
        .rev()
        .fold(quote!(()), |rest, dependency| {
            // The field itself, as `configure_call` writes it.
            let field = input.dependency_field(dependency);
            if group.members[0] == dependency {
                return quote!((::reconciler_core::__private::Ambiguous(&self.#field), #rest));
            }
            let repeated = groups.iter().any(|g| g.members[1..].contains(&dependency));
            if repeated {
                rest
            } else {
                quote!((&self.#field, #rest))
            }
        });
    let configure_unit = quote_spanned!(component.ty_span()=>
        <#ty as ::reconciler_core::Component<_>>::configure_unit
    );
    let verdict = quote_spanned!(span=> ::reconciler_core::__private::verdict);
    let arguments = quote_spanned!(span=> (#configure_unit, #provided));
    let (message, label, note) = texts(component, group);
    let trait_name = Ident::new("ReadsUnambiguously", Span::call_site());
    let doc = format!(
        " {}: `{}` may run after them, but not read `&{}`. Checked at compile time; does nothing at run time.",
        describe(group),
        component.member.unraw(),
        group.written,
    );
    quote! {{
        #[doc = #doc]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait #trait_name {
            fn check(self)
            where
                Self: Sized,
            {}
        }
        #[diagnostic::do_not_recommend]
        impl<T: ::reconciler_core::__private::Unambiguous> #trait_name for T {}
        #trait_name::check(#verdict #arguments);
    }}
}

/// "`a` and `b` both have type `Db`" (or "`a`, `b` and `c` all have type `Db`").
fn describe(group: &Group<'_>) -> String {
    let names: Vec<String> = group
        .members
        .iter()
        .map(|m| format!("`{}`", m.unraw()))
        .collect();
    let listed = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    };
    let quantifier = if names.len() == 2 { "both" } else { "all" };
    format!("{listed} {quantifier} have type `{}`", group.written)
}

/// The message, label and note of the error, escaped for `on_unimplemented` (where `{` and
/// `}` are placeholders: a type written with a const block would otherwise break it).
fn texts(component: &Component, group: &Group<'_>) -> (String, String, String) {
    let written = &group.written;
    let second = group.members[1].unraw().to_string();
    let message = format!(
        "`{}` reads `&{written}` from its dependencies, but {}; \
         dependencies are read by type, so which one it gets is ambiguous",
        component.member.unraw(),
        describe(group),
    );
    let label = format!("`{second}` is a second dependency of type `{written}`");
    let note = format!(
        "wrap one of them in a newtype that implements `Component` (e.g. `struct {}({written})`) so each has a type of its own, \
         or read neither (a component may list dependencies only to run after them)",
        camel_case(&second)
    );
    (escape(&message), escape(&label), escape(&note))
}

/// `{` and `}` doubled, as `on_unimplemented` reads them.
fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// `relation_1` → `Relation1`: a field name as a type name, for the newtype suggestion.
fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// A type as written, for comparing and for messages: its tokens, with spaces only
/// between words (`Vec<Option<u8>>`, `&'a Db`).
fn type_text(ty: &syn::Type) -> String {
    let tokens = quote::quote!(#ty).to_string();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'');
    let mut text = String::with_capacity(tokens.len());
    let mut chars = tokens.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ' ' {
            text.push(c);
        } else if (word(text.chars().last()) && word(chars.peek().copied())) || text.ends_with(',')
        {
            text.push(' ');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_as_written() {
        let text = |ty: syn::Type| type_text(&ty);
        assert_eq!(text(syn::parse_quote!(Database)), "Database");
        assert_eq!(text(syn::parse_quote!(Vec<Option<u8>>)), "Vec<Option<u8>>");
        assert_eq!(text(syn::parse_quote!(&'a dyn Db)), "&'a dyn Db");
        assert_eq!(text(syn::parse_quote!((A, B))), "(A, B)");
        assert_eq!(text(syn::parse_quote!(crate::db::Db)), "crate::db::Db");
        assert_eq!(
            text(syn::parse_quote!(Holder<u8, { 1 + 2 }>)),
            "Holder<u8, {1+2}>"
        );
    }

    #[test]
    fn braces_are_escaped_for_on_unimplemented() {
        assert_eq!(escape("`Holder<{1+2}>`"), "`Holder<{{1+2}}>`");
    }

    #[test]
    fn field_names_as_type_names() {
        assert_eq!(camel_case("replica"), "Replica");
        assert_eq!(camel_case("relation_1"), "Relation1");
        assert_eq!(camel_case("_db__main"), "DbMain");
    }
}
