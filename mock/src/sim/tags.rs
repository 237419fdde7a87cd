//! Add Tags to Flow and Delete Tag from Flow (`spec/tags.tfspec`). A label is parsed as servers
//! parse it (deviation S34): unquoted text splits on whitespace and commas, a double-quoted part
//! stays whole without its quotes; a flow keeps each label once, in the order first added, with
//! the case it was sent in. Tagging needs Write on the flow (deviation S35).

use super::{Session, Simulator};
use crate::interface::{
    AddTagsToFlowError, AddTagsToFlowInput, Context, DeleteTagFromFlowError,
    DeleteTagFromFlowInput, Reject, TagsService,
};
use crate::tf;
use tableau_flows::Capability;

/// The tags one `label` of Add Tags to Flow stands for (deviation S34): `a b,c` is `a`, `b` and
/// `c`; `"Yearly Sales"` is `Yearly Sales`; empty pieces are dropped.
pub(crate) fn parse_label(label: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in label.chars() {
        match c {
            '"' => quoted = !quoted,
            c if !quoted && (c == ',' || c.is_whitespace()) => {
                if !current.is_empty() {
                    tags.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tags.push(current);
    }
    tags
}

impl TagsService for Simulator {
    fn add_tags_to_flow(
        &self,
        cx: &Context<Session>,
        input: AddTagsToFlowInput,
    ) -> Result<tf::AddTagsToFlowResponse, Reject<AddTagsToFlowError>> {
        use AddTagsToFlowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        state.flow_for(
            &cx.session,
            &id,
            &Capability::Write,
            E::FlowNotFound,
            E::Forbidden,
        )?;
        let added = input.body.tags.iter().flat_map(|t| parse_label(&t.label));
        let tags = state
            .flows
            .update(&id, |flow| {
                for tag in added {
                    if !flow.tags.contains(&tag) {
                        flow.tags.push(tag);
                    }
                }
                flow.tags.clone()
            })
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        Ok(model!(
            tf::AddTagsToFlowResponse::new(),
            tags = tags.into_iter().map(tf::Tag::new).collect(),
        ))
    }

    fn delete_tag_from_flow(
        &self,
        cx: &Context<Session>,
        input: DeleteTagFromFlowInput,
    ) -> Result<(), Reject<DeleteTagFromFlowError>> {
        use DeleteTagFromFlowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        state.flow_for(
            &cx.session,
            &id,
            &Capability::Write,
            E::FlowNotFound,
            E::Forbidden,
        )?;
        let carried = state
            .flows
            .get(&id)
            .is_some_and(|f| f.tags.contains(&input.tag_name));
        if carried {
            state
                .flows
                .update(&id, |flow| flow.tags.retain(|t| *t != input.tag_name));
        } else {
            return Err(Reject::new(
                E::TagNotFound,
                format!("flow {id} has no tag {:?}", input.tag_name),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_label;

    #[test]
    fn labels_split_unless_quoted() {
        assert_eq!(parse_label("sales"), ["sales"]);
        assert_eq!(parse_label("a b,c"), ["a", "b", "c"]);
        assert_eq!(parse_label("\"Yearly Sales\""), ["Yearly Sales"]);
        assert_eq!(parse_label("\"Sales, Revenue\""), ["Sales, Revenue"]);
        assert_eq!(parse_label("x \"y z\" ,w"), ["x", "y z", "w"]);
        assert_eq!(parse_label(" , \"\" "), Vec::<String>::new());
        assert_eq!(parse_label("#test/ä.b"), ["#test/ä.b"]);
    }
}
