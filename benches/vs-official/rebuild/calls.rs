// The twenty calls, the same text for both clients: `main.rs` of each program includes it after
// naming its crate `sdk`. The `EDIT` literal is what `rebuild.sh` changes between builds.

use sdk::types::{AuthFlowType, ChallengeNameType};

const EDIT: &str = "edit-0";

async fn twenty(client: &sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    let pool = "us-east-1_Example";
    let app = "app-client";
    let auth = client
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(app)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", EDIT)
        .send()
        .await?;
    let session = auth.session.clone().unwrap_or_default();
    client
        .respond_to_auth_challenge()
        .client_id(app)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", "123456")
        .session(session)
        .send()
        .await?;
    client.sign_up().client_id(app).username("bob").password("Passw0rd!").send().await?;
    client.confirm_sign_up().client_id(app).username("bob").confirmation_code("123456").send().await?;
    client.forgot_password().client_id(app).username("bob").send().await?;
    client
        .confirm_forgot_password()
        .client_id(app)
        .username("bob")
        .confirmation_code("654321")
        .password("N3w-passw0rd!")
        .send()
        .await?;
    let token = "access-token";
    client
        .change_password()
        .access_token(token)
        .previous_password("N3w-passw0rd!")
        .proposed_password("An0ther-one!")
        .send()
        .await?;
    let user = client.get_user().access_token(token).send().await?;
    println!("{:?}", user.username);
    client.global_sign_out().access_token(token).send().await?;
    let admin = client.admin_get_user().user_pool_id(pool).username("alice").send().await?;
    println!("{:?}", admin.user_status);
    client.admin_create_user().user_pool_id(pool).username("carol").send().await?;
    client.admin_delete_user().user_pool_id(pool).username("carol").send().await?;
    let users = client.list_users().user_pool_id(pool).limit(60).send().await?;
    println!("{:?}", users.users);
    client
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(app)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "hunter2")
        .send()
        .await?;
    let described = client.describe_user_pool().user_pool_id(pool).send().await?;
    println!("{:?}", described.user_pool);
    let pools = client.list_user_pools().max_results(60).send().await?;
    println!("{:?}", pools.user_pools);
    client.describe_user_pool_client().user_pool_id(pool).client_id(app).send().await?;
    let groups = client.list_groups().user_pool_id(pool).send().await?;
    println!("{:?}", groups.groups);
    client.admin_add_user_to_group().user_pool_id(pool).username("alice").group_name("admins").send().await?;
    let of_alice = client.admin_list_groups_for_user().user_pool_id(pool).username("alice").send().await?;
    println!("{:?}", of_alice.groups);
    Ok(())
}
