//! Publishes `sales.tflx` into the project Sales, by its name, replacing a flow of the same name
//! (a file above 64 MB goes in chunks).
use tableau_flows::{Client, PublishOptions};

fn main() -> Result<(), tableau_flows::Error> {
    let client = Client::from_env()?;
    let project = client.find_project("Sales")?;
    let options = PublishOptions::new(project.id).overwrite(true);
    let published = client.publish_flow_file("sales.tflx", options)?;
    println!("published {}", published.flow.id);
    Ok(())
}
